package collector

import (
	"fmt"
	"strings"

	"github.com/hsi-top/hsi-top/config"
	"github.com/hsi-top/hsi-top/snapshot"
)

// OffloadShare is the least part of its model's size the LLM's processes must hold in
// GPU memory; below it the model runs mostly on the CPU (the "says GPU, runs on CPU"
// failure).
const OffloadShare = 0.5

// NearlyFullShare is the free part of a GPU's memory below which the ledger says it is
// nearly full.
const NearlyFullShare = 0.05

// VRAMStage runs after the sources on each merged snapshot: it finds the detector's and
// the LLM's processes on each GPU (by the container rows' names whose probe is detector
// or llm, or a process name that says llama), fills the LLM card's GPU memory and its
// CPU-offload warning, and writes each GPU's memory ledger with its headroom in words.
type VRAMStage struct {
	detectorNames, llmNames []string
}

// NewVRAMStage returns the stage for cfg's container rows.
func NewVRAMStage(cfg config.Config) *VRAMStage {
	st := &VRAMStage{}
	for _, c := range cfg.Containers {
		switch c.Probe.Value() {
		case "detector":
			st.detectorNames = append(st.detectorNames, c.Name)
		case "llm":
			st.llmNames = append(st.llmNames, c.Name)
		}
	}
	return st
}

// Process writes the ledger and the LLM's GPU memory into s.
func (st *VRAMStage) Process(s *snapshot.Snapshot) {
	nameGPUServices(s)
	var llmBytes uint64
	llmKnown := false
	for i := range s.GPUs {
		g := &s.GPUs[i]
		det, llm, known := st.split(g.Services)
		if known {
			llmKnown = true
			llmBytes += llm
		}
		g.VRAM = ledger(g, det, llm, known, s.AIModels.Nemotron.KVCacheUsageRatio)
	}
	if s.GPU != nil {
		for i := range s.GPUs {
			if s.GPUs[i].Index == s.GPU.Index {
				g := s.GPUs[i] // the page's copy, with the ledger and renamed services
				s.GPU = &g
			}
		}
	}
	card := &s.AIModels.Nemotron
	if llmKnown && card.Status == snapshot.StatusHealthy {
		card.VRAMUsedBytes = snapshot.U(llmBytes)
		if card.OffloadWarning == "" {
			card.OffloadWarning = VRAMOffloadWarning(llmBytes, card.ModelSizeBytes)
		}
		s.Nemotron.VRAMUsedBytes, s.Nemotron.OffloadWarning = card.VRAMUsedBytes, card.OffloadWarning
	}
}

// split sums a GPU's services into the detector's and the LLM's bytes; known is false
// when the GPU has no process list.
func (st *VRAMStage) split(services []snapshot.ServiceVRAM) (det, llm uint64, known bool) {
	if services == nil {
		return 0, 0, false
	}
	for _, sv := range services {
		switch {
		case matchesService(sv.Service, st.llmNames) || strings.Contains(strings.ToLower(sv.Service), "llama"):
			llm += sv.UsedBytes
		case matchesService(sv.Service, st.detectorNames):
			det += sv.UsedBytes
		}
	}
	return det, llm, true
}

// matchesService reports whether a GPU service name is one of names: the same, or the
// name followed by a container note ("ai-llm (docker 3f2a…)").
func matchesService(service string, names []string) bool {
	for _, n := range names {
		if service == n || strings.HasPrefix(service, n+" (") {
			return true
		}
	}
	return false
}

// VRAMOffloadWarning says when the LLM holds far less GPU memory than its model's size;
// "" when it does not or the size is unknown.
func VRAMOffloadWarning(held uint64, modelSize *uint64) string {
	if modelSize == nil || *modelSize == 0 || float64(held) >= OffloadShare*float64(*modelSize) {
		return ""
	}
	if held == 0 {
		return fmt.Sprintf("the LLM holds no GPU memory but its model is %s: it runs on the CPU", gibWords(*modelSize))
	}
	return fmt.Sprintf("the LLM holds %s of GPU memory but its model is %s: most of it runs on the CPU",
		gibWords(held), gibWords(*modelSize))
}

// ledger is one GPU's memory split and headroom; nil without total and used numbers.
func ledger(g *snapshot.GPU, det, llm uint64, known bool, kvRatio *float64) *snapshot.VRAMLedger {
	if g.MemoryTotalBytes == nil || g.MemoryUsedBytes == nil || *g.MemoryTotalBytes == 0 {
		return nil
	}
	total, used := *g.MemoryTotalBytes, min(*g.MemoryUsedBytes, *g.MemoryTotalBytes)
	free := total - used
	if g.MemoryFreeBytes != nil && *g.MemoryFreeBytes <= total {
		free = *g.MemoryFreeBytes
	}
	l := &snapshot.VRAMLedger{TotalBytes: total, FreeBytes: free, OtherBytes: used}
	if known {
		l.DetectorBytes, l.LLMBytes = snapshot.U(det), snapshot.U(llm)
		l.OtherBytes = used - min(used, det+llm)
	}
	l.Headroom = headroom(l, kvRatio)
	return l
}

// headroom says in words what the free memory leaves room for.
func headroom(l *snapshot.VRAMLedger, kvRatio *float64) []string {
	words := []string{gibWords(l.FreeBytes) + " free"}
	if float64(l.FreeBytes) < NearlyFullShare*float64(l.TotalBytes) {
		words = append(words, "nearly full: a new model or a longer LLM context will not fit")
	}
	if d := l.DetectorBytes; d != nil && *d > 0 {
		n := l.FreeBytes / *d
		switch {
		case n == 0:
			words = append(words, fmt.Sprintf("one more detector instance (~%s) does not fit", gibWords(*d)))
		case n == 1:
			words = append(words, fmt.Sprintf("one more detector instance (~%s) fits", gibWords(*d)))
		default:
			words = append(words, fmt.Sprintf("%d more detector instances (~%s each) fit", n, gibWords(*d)))
		}
	}
	if m := l.LLMBytes; m != nil && *m > 0 && kvRatio != nil {
		words = append(words, fmt.Sprintf("the LLM's KV cache is %.0f%% in use", *kvRatio*100))
	}
	return words
}

// gibWords is a byte count in GiB with one decimal ("1.5 GiB"), or MiB below 1 GiB.
func gibWords(b uint64) string {
	if b < 1<<30 {
		return fmt.Sprintf("%.0f MiB", float64(b)/(1<<20))
	}
	return fmt.Sprintf("%.1f GiB", float64(b)/(1<<30))
}
