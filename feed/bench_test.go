package feed

import (
	"context"
	"log/slog"
	"testing"

	"github.com/hsi-top/hsi-top/clock"
)

func benchServer(b *testing.B) (*Server, *fakeSource) {
	src := &fakeSource{}
	src.set(fixtureSnapshot(b, t0))
	s, err := New(Options{Source: src, Clock: clock.NewFake(t0), Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(s.cancelBase)
	return s, src
}

// BenchmarkTick1000 is one feed tick (both frames, encoded once) offered to 1,000
// clients, plus each client's dequeue of the two frames.
func BenchmarkTick1000(b *testing.B) {
	s, src := benchServer(b)
	clients := make([]*client, 1000)
	for i := range clients {
		ctx, cancel := context.WithCancel(context.Background())
		c := &client{s: s, queue: make(chan []byte, DefaultQueueSize), ctx: ctx, cancel: cancel, closeDone: make(chan struct{})}
		s.hub.register(c, nil)
		<-c.queue
		clients[i] = c
		defer cancel()
	}
	snap := src.Latest()
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		if i%5 == 0 { // a new snapshot every 5 ticks: the encoding is part of the cost
			cp := *snap
			src.set(&cp)
		}
		s.hub.tick()
		for _, c := range clients {
			<-c.queue
			<-c.queue
		}
	}
}

// BenchmarkEncodeFrames encodes the performance_update and system_status of the
// fixture snapshot.
func BenchmarkEncodeFrames(b *testing.B) {
	s, src := benchServer(b)
	snap := src.Latest()
	b.ReportAllocs()
	for b.Loop() {
		encodeFrames(snap, false, s.clk.Now())
	}
}

// BenchmarkMetrics renders /metrics for the fixture snapshot.
func BenchmarkMetrics(b *testing.B) {
	s, _ := benchServer(b)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		s.renderMetrics(ctx)
	}
}

// BenchmarkClientMessage handles a client's JSON ping.
func BenchmarkClientMessage(b *testing.B) {
	msg := []byte(`{"type":"ping"}`)
	b.ReportAllocs()
	for b.Loop() {
		handleClientMessage(msg)
	}
}
