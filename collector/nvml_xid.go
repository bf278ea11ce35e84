//go:build linux && cgo

package collector

import (
	"sync"
	"time"

	"github.com/NVIDIA/go-nvml/pkg/nvml"

	"github.com/hsi-top/hsi-top/snapshot"
)

// XidLogSize is how many Xid errors each GPU's log keeps (the newest).
const XidLogSize = 16

// xidWait is how long one wait on the event set lasts: the longest Close waits for the
// watcher to notice it should stop.
const xidWait = 500 * time.Millisecond

// xidRetry is the pause after a wait that failed other than by timing out, so a broken
// event set does not spin.
const xidRetry = time.Second

// xidMeanings name the Xids an operator of an inference box meets most.
var xidMeanings = map[uint64]string{
	13:  "graphics engine exception (an application fault)",
	31:  "GPU memory page fault (an application fault)",
	43:  "GPU stopped processing (an application fault)",
	45:  "preemptive cleanup (a process was stopped)",
	48:  "double-bit ECC error",
	63:  "ECC page retirement or row remapping",
	64:  "ECC page retirement or row remapping failed",
	74:  "NVLink error",
	79:  "GPU has fallen off the bus",
	92:  "high single-bit ECC error rate",
	94:  "contained ECC error",
	95:  "uncontained ECC error",
	119: "GSP firmware timeout",
	120: "GSP firmware error",
}

// XidMeaning names a well-known Xid; "" for the others.
func XidMeaning(xid uint64) string { return xidMeanings[xid] }

// xidWatcher waits on one NVML event set for Xid errors of every registered device, in
// its own goroutine, and keeps a short log per device.
type xidWatcher struct {
	set     nvml.EventSet
	devices []*nvmlDevice // the registered ones
	now     func() time.Time
	// recorded, when set, is called after each Xid is logged (tests wait on it).
	recorded func()

	stop chan struct{}
	done chan struct{}

	mu   sync.Mutex
	logs map[int][]snapshot.XidEvent // by device index
}

// startXidWatcher registers every device that supports Xid events on a new event set and
// starts the watcher; nil when no device does (or the set cannot be created), and those
// devices' Xid logs stay unknown.
func startXidWatcher(lib nvml.Interface, devices []*nvmlDevice, now func() time.Time, recorded func()) *xidWatcher {
	set, ret := lib.EventSetCreate()
	if ret != nvml.SUCCESS {
		return nil
	}
	w := &xidWatcher{set: set, now: now, recorded: recorded, logs: map[int][]snapshot.XidEvent{}}
	for _, d := range devices {
		types, ret := d.dev.GetSupportedEventTypes()
		if ret != nvml.SUCCESS || types&nvml.EventTypeXidCriticalError == 0 {
			continue
		}
		if d.dev.RegisterEvents(nvml.EventTypeXidCriticalError, set) != nvml.SUCCESS {
			continue
		}
		w.devices = append(w.devices, d)
		w.logs[d.index] = []snapshot.XidEvent{}
	}
	if len(w.devices) == 0 {
		set.Free()
		return nil
	}
	w.stop, w.done = make(chan struct{}), make(chan struct{})
	go w.run()
	return w
}

// run waits for events until stopped; each wait times out after xidWait so Close is
// never kept waiting long.
func (w *xidWatcher) run() {
	defer close(w.done)
	for {
		select {
		case <-w.stop:
			return
		default:
		}
		ev, ret := w.set.Wait(uint32(xidWait / time.Millisecond))
		switch {
		case ret == nvml.SUCCESS:
			if ev.EventType&nvml.EventTypeXidCriticalError != 0 {
				w.record(ev)
			}
		case ret == nvml.ERROR_TIMEOUT:
		default:
			select {
			case <-w.stop:
				return
			case <-time.After(xidRetry):
			}
		}
	}
}

// record adds one Xid to its device's log, dropping the oldest past XidLogSize.
func (w *xidWatcher) record(ev nvml.EventData) {
	idx := -1
	for _, d := range w.devices {
		if d.dev == ev.Device {
			idx = d.index
			break
		}
	}
	if idx < 0 && len(w.devices) == 1 {
		idx = w.devices[0].index
	}
	if idx < 0 {
		return
	}
	e := snapshot.XidEvent{At: snapshot.Time{Time: w.now().UTC()}, Xid: ev.EventData, Meaning: XidMeaning(ev.EventData)}
	w.mu.Lock()
	log := append(w.logs[idx], e)
	if len(log) > XidLogSize {
		log = append([]snapshot.XidEvent(nil), log[len(log)-XidLogSize:]...)
	}
	w.logs[idx] = log
	w.mu.Unlock()
	if w.recorded != nil {
		w.recorded()
	}
}

// log returns a copy of a device's Xid log; nil when the device is not watched.
func (w *xidWatcher) log(index int) []snapshot.XidEvent {
	if w == nil {
		return nil
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	l, ok := w.logs[index]
	if !ok {
		return nil
	}
	return append(make([]snapshot.XidEvent, 0, len(l)), l...)
}

// close stops the watcher, waits for it, and frees the event set.
func (w *xidWatcher) close() {
	if w == nil {
		return
	}
	close(w.stop)
	<-w.done
	w.set.Free()
}
