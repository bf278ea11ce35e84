package history_test

import (
	"github.com/hsi-top/hsi-top/collector"
	"github.com/hsi-top/hsi-top/history"
)

// The Store is a collector stage.
var _ collector.Stage = (*history.Store)(nil)
