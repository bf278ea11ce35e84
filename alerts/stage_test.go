package alerts_test

import (
	"hsi-top/alerts"
	"hsi-top/collector"
)

// The Engine is a collector stage.
var _ collector.Stage = (*alerts.Engine)(nil)
