// Package pubsub hands the newest snapshot to every subscriber: a subscriber that falls
// behind gets the newest snapshot, never a queue of old ones, and the publisher never
// waits. The collector engine publishes through it, and so do the remote and replay
// sources that stand in for the engine under the dashboard.
package pubsub

import (
	"sync"
	"sync/atomic"

	"github.com/hsi-top/hsi-top/snapshot"
)

// Hub is the set of subscribers and the latest snapshot. The zero Hub is ready to use.
type Hub struct {
	latest atomic.Pointer[snapshot.Snapshot]
	mu     sync.Mutex
	subs   map[chan *snapshot.Snapshot]struct{}
}

// Latest returns the last published snapshot, or nil.
func (h *Hub) Latest() *snapshot.Snapshot { return h.latest.Load() }

// Subscribe returns a channel that receives every published snapshot (the newest when
// the reader falls behind); cancel stops the delivery.
func (h *Hub) Subscribe() (<-chan *snapshot.Snapshot, func()) {
	c := make(chan *snapshot.Snapshot, 1)
	h.mu.Lock()
	if h.subs == nil {
		h.subs = map[chan *snapshot.Snapshot]struct{}{}
	}
	h.subs[c] = struct{}{}
	h.mu.Unlock()
	return c, func() {
		h.mu.Lock()
		delete(h.subs, c)
		h.mu.Unlock()
	}
}

// Publish makes s the latest snapshot and offers it to every subscriber.
func (h *Hub) Publish(s *snapshot.Snapshot) {
	h.latest.Store(s)
	h.mu.Lock()
	defer h.mu.Unlock()
	for c := range h.subs {
		select { // drop the unread older snapshot
		case <-c:
		default:
		}
		select {
		case c <- s:
		default:
		}
	}
}
