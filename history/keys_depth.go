package history

import "github.com/hsi-top/hsi-top/snapshot"

// contention adds KeyContention's sample: 1 when an LLM slot is busy or any GPU is
// throttled by heat or power, 0 when both are known and neither, unknown otherwise.
func contention(s *snapshot.Snapshot, llm *snapshot.LLM, add sampleFunc) {
	known := llm.SlotsActive != nil
	busy := known && *llm.SlotsActive > 0
	for i := range s.GPUs {
		g := &s.GPUs[i]
		if g.ClockEvents == nil {
			continue
		}
		known = true
		for _, e := range g.ClockEvents {
			busy = busy || e.Limiting
		}
	}
	v := 0.0
	if busy {
		v = 1
	}
	add(KeyContention, v, known)
}
