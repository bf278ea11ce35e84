package alerts_test

import (
	"github.com/hsi-top/hsi-top/alerts"
	"github.com/hsi-top/hsi-top/collector"
)

// The Engine is a collector stage.
var _ collector.Stage = (*alerts.Engine)(nil)
