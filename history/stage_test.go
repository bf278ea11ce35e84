package history_test

import (
	"hsi-top/collector"
	"hsi-top/history"
)

// The Store is a collector stage.
var _ collector.Stage = (*history.Store)(nil)
