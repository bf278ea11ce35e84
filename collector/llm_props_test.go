package collector

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/hsi-top/hsi-top/config"
	"github.com/hsi-top/hsi-top/snapshot"
	"github.com/hsi-top/hsi-top/wire"
)

// llamaMetrics is a llama.cpp /metrics body at one instant.
func llamaMetrics(predicted, prompt, processing, deferred, kv float64) route {
	return route{200, fmt.Appendf(nil, `# HELP llamacpp:prompt_tokens_total Number of prompt tokens processed.
# TYPE llamacpp:prompt_tokens_total counter
llamacpp:prompt_tokens_total %g
# TYPE llamacpp:tokens_predicted_total counter
llamacpp:tokens_predicted_total %g
# TYPE llamacpp:requests_processing gauge
llamacpp:requests_processing %g
# TYPE llamacpp:requests_deferred gauge
llamacpp:requests_deferred %g
# TYPE llamacpp:kv_cache_usage_ratio gauge
llamacpp:kv_cache_usage_ratio %g
`, prompt, predicted, processing, deferred, kv)}
}

// TestLLMSpeedsAtKnownRates moves the fake's counters at 300 prompt tokens/s and 25
// generated tokens/s, ticks 5 s apart: each tick after the first gives both exactly,
// with the saturation numbers beside them.
func TestLLMSpeedsAtKnownRates(t *testing.T) {
	now := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	srv := newReplayServer(t, llmRoutes(t, "llm-slots-current.json"))
	llm := newTestLLM(t, srv.URL, "", func() time.Time { return now })
	for i := range 5 {
		elapsed := float64(5 * i)
		srv.set("/metrics", llamaMetrics(1000+25*elapsed, 40000+300*elapsed, 2, float64(i), 0.25+0.1*float64(i)))
		l := collectOnce(t, llm, nil).Nemotron
		if i == 0 {
			if l.TokensPerSecond != nil || l.PromptTokensPerSecond != nil {
				t.Fatalf("first tick speeds = %v %v, want unknown", fmtPtr(l.TokensPerSecond), fmtPtr(l.PromptTokensPerSecond))
			}
		} else if !eqF(l.PromptTokensPerSecond, snapshot.F(300)) || !eqF(l.TokensPerSecond, snapshot.F(25)) {
			t.Errorf("tick %d: prompt %v, generation %v tokens/s, want 300 and 25", i, fmtPtr(l.PromptTokensPerSecond), fmtPtr(l.TokensPerSecond))
		}
		if !eqF(l.RequestsProcessing, snapshot.F(2)) || !eqF(l.RequestsDeferred, snapshot.F(float64(i))) ||
			!eqF(l.KVCacheUsageRatio, snapshot.F(0.25+0.1*float64(i))) {
			t.Errorf("tick %d: processing %v deferred %v kv %v", i, fmtPtr(l.RequestsProcessing), fmtPtr(l.RequestsDeferred), fmtPtr(l.KVCacheUsageRatio))
		}
		now = now.Add(5 * time.Second)
	}
}

const fewLayersProps = `{"default_generation_settings":{"n_ctx":8192,"prompt":"SECRET PROMPT","params":{"n_predict":-1}},
"total_slots":2,"model_path":"/models/Nemotron-Mini-4B-Instruct-Q4_K_M.gguf","chat_template":"{{SECRET}}",
"n_gpu_layers":8,"n_layer":32,"build_info":"b5000"}`

const modelsBody = `{"object":"list","data":[{"id":"nemotron","object":"model","meta":{"vocab_type":2,"n_params":4200000000,"size":2684354560}}]}`

func TestLLMPropsFewLayersWarns(t *testing.T) {
	now := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	routes := llmRoutes(t, "llm-slots-current.json")
	routes["/props"] = route{200, []byte(fewLayersProps)}
	routes["/v1/models"] = route{200, []byte(modelsBody)}
	srv := newReplayServer(t, routes)
	llm := newTestLLM(t, srv.URL, "", func() time.Time { return now })
	s := collectOnce(t, llm, nil)
	if js, _ := json.Marshal(wire.Performance(s)); bytes.Contains(js, []byte("SECRET")) {
		t.Fatal("/props prompt or template text reached the snapshot")
	}
	l := s.Nemotron
	if l.ModelFile == nil || *l.ModelFile != "Nemotron-Mini-4B-Instruct-Q4_K_M.gguf" || i64(l.NCtx) != int64(8192) ||
		i64(l.GPULayers) != int64(8) || i64(l.ModelLayers) != int64(32) || l.ModelSizeBytes == nil || *l.ModelSizeBytes != 2684354560 {
		t.Errorf("props = file %v n_ctx %v layers %v/%v size %v", l.ModelFile, i64(l.NCtx), i64(l.GPULayers), i64(l.ModelLayers), fmtU(l.ModelSizeBytes))
	}
	if want := "only 8 of 32 model layers on the GPU: the rest run on the CPU"; l.OffloadWarning != want {
		t.Errorf("offload warning = %q, want %q", l.OffloadWarning, want)
	}
	// Cached for a minute: the next tick does not ask again; a minute later it does.
	now = now.Add(5 * time.Second)
	collectOnce(t, llm, nil)
	if n := srv.hitCount("/props"); n != 1 {
		t.Errorf("/props asked %d times in 5 s, want once", n)
	}
	now = now.Add(PropsEvery)
	collectOnce(t, llm, nil)
	if n := srv.hitCount("/props"); n != 2 {
		t.Errorf("/props asked %d times after a minute, want twice", n)
	}

	// All layers on the GPU: no warning. A server without /props: unknown with the reason.
	srv.set("/props", route{200, []byte(`{"n_gpu_layers":99,"n_layer":32}`)})
	now = now.Add(PropsEvery)
	if l = collectOnce(t, llm, nil).Nemotron; l.OffloadWarning != "" || i64(l.GPULayers) != int64(99) {
		t.Errorf("all layers offloaded: warning %q, layers %v", l.OffloadWarning, i64(l.GPULayers))
	}
	srv.set("/props", route{404, []byte("not found")})
	now = now.Add(PropsEvery)
	if l = collectOnce(t, llm, nil).Nemotron; l.PropsError != "/props: HTTP 404" || l.ModelFile != nil || l.GPULayers != nil {
		t.Errorf("without /props: error %q, file %v, layers %v", l.PropsError, l.ModelFile, i64(l.GPULayers))
	}
	// A server without /props is not asked again every tick, only after PropsEvery; one
	// that answers 503 (loading) is asked again at the next tick.
	asked := srv.hitCount("/props")
	now = now.Add(5 * time.Second)
	if l = collectOnce(t, llm, nil).Nemotron; srv.hitCount("/props") != asked || l.PropsError != "/props: HTTP 404" {
		t.Errorf("a 404 was asked again 5 s later (%d times, was %d) or lost its reason %q", srv.hitCount("/props"), asked, l.PropsError)
	}
	srv.set("/props", route{503, []byte("loading")})
	now = now.Add(PropsEvery)
	collectOnce(t, llm, nil)
	now = now.Add(5 * time.Second)
	collectOnce(t, llm, nil)
	if n := srv.hitCount("/props"); n != asked+2 {
		t.Errorf("/props asked %d times after two ticks answered 503, want %d", n, asked+2)
	}
}

func TestParseLLMPropsVariants(t *testing.T) {
	p, err := ParseLLMProps([]byte(`{"default_generation_settings":{"n_ctx":4096,"n_gpu_layers":-1},"total_slots":-3}`))
	if err != nil || i64(p.NCtx) != int64(4096) || p.GPULayers != nil || p.TotalSlots != nil {
		t.Errorf("props = %+v, %v: want n_ctx 4096 and the negative counts unknown", p, err)
	}
	p, _ = ParseLLMProps([]byte(`{"default_generation_settings":{"params":{"n_gpu_layers":0}}}`))
	if i64(p.GPULayers) != int64(0) || LayersOffloadWarning(p.GPULayers, nil) != "no model layers on the GPU: the LLM runs on the CPU" {
		t.Errorf("params.n_gpu_layers 0 = %v", i64(p.GPULayers))
	}
	for _, bad := range []string{`<html>`, `[1,2]`, `{"model_path":5}`} {
		if _, err := ParseLLMProps([]byte(bad)); err == nil {
			t.Errorf("ParseLLMProps(%q) accepted", bad)
		}
	}
}

// gpuWithServices is a 24 GiB GPU with used GiB in use held by the services.
func gpuWithServices(usedGiB float64, services ...snapshot.ServiceVRAM) snapshot.GPU {
	total := 24 * gib
	used := uint64(usedGiB * float64(gib))
	return snapshot.GPU{Index: 0, Name: "RTX", MemoryTotalBytes: snapshot.U(total), MemoryUsedBytes: snapshot.U(used),
		MemoryFreeBytes: snapshot.U(total - used), Services: services}
}

func TestVRAMStageOffloadWarningAndLedger(t *testing.T) {
	st := NewVRAMStage(config.Default())
	s := snapshot.New(time.Unix(1_800_000_000, 0))
	s.GPUs = []snapshot.GPU{gpuWithServices(6,
		snapshot.ServiceVRAM{Service: "ai-detector", UsedBytes: 1536 << 20, Processes: 1},
		snapshot.ServiceVRAM{Service: "ai-llm (docker 3f2a1b4c5d6e)", UsedBytes: 1228 << 20, Processes: 1},
		snapshot.ServiceVRAM{Service: "Xorg", UsedBytes: 256 << 20, Processes: 1},
	)}
	s.GPU = &s.GPUs[0]
	s.AIModels.Nemotron = snapshot.LLM{Status: snapshot.StatusHealthy, ModelSizeBytes: snapshot.U(4300 << 20), KVCacheUsageRatio: snapshot.F(0.42)}
	s.Nemotron = s.AIModels.Nemotron
	st.Process(s)

	want := "the LLM holds 1.2 GiB of GPU memory but its model is 4.2 GiB: most of it runs on the CPU"
	if s.AIModels.Nemotron.OffloadWarning != want || s.Nemotron.OffloadWarning != want {
		t.Errorf("offload warning = %q / %q, want %q", s.AIModels.Nemotron.OffloadWarning, s.Nemotron.OffloadWarning, want)
	}
	if v := s.AIModels.Nemotron.VRAMUsedBytes; v == nil || *v != 1228<<20 {
		t.Errorf("LLM VRAM = %v, want 1228 MiB", fmtU(v))
	}
	l := s.GPUs[0].VRAM
	if l == nil || *l.DetectorBytes != 1536<<20 || *l.LLMBytes != 1228<<20 || l.OtherBytes != 6*gib-(1536+1228)<<20 || l.FreeBytes != 18*gib {
		t.Fatalf("ledger = %+v", l)
	}
	wantWords := []string{"18.0 GiB free", "12 more detector instances (~1.5 GiB each) fit", "the LLM's KV cache is 42% in use"}
	if !slices.Equal(l.Headroom, wantWords) {
		t.Errorf("headroom = %q, want %q", l.Headroom, wantWords)
	}
	if s.GPU.VRAM == nil || s.GPU.VRAM.FreeBytes != l.FreeBytes {
		t.Error("the page's gpu object lacks the ledger")
	}

	// Nearly full: the detector does not fit; the LLM holds its model: no warning.
	s = snapshot.New(time.Unix(1_800_000_000, 0))
	s.GPUs = []snapshot.GPU{gpuWithServices(23.5,
		snapshot.ServiceVRAM{Service: "ai-detector", UsedBytes: 1536 << 20},
		snapshot.ServiceVRAM{Service: "llama-server", UsedBytes: 20 * gib},
	)}
	s.AIModels.Nemotron = snapshot.LLM{Status: snapshot.StatusHealthy, ModelSizeBytes: snapshot.U(18 * gib)}
	st.Process(s)
	wantWords = []string{"512 MiB free", "nearly full: a new model or a longer LLM context will not fit", "one more detector instance (~1.5 GiB) does not fit"}
	if got := s.GPUs[0].VRAM.Headroom; !slices.Equal(got, wantWords) {
		t.Errorf("headroom = %q, want %q", got, wantWords)
	}
	if w := s.AIModels.Nemotron.OffloadWarning; w != "" {
		t.Errorf("warning %q for an LLM that holds its model", w)
	}

	// No process list (NVML without per-process numbers): the split is unknown, not 0.
	s = snapshot.New(time.Unix(1_800_000_000, 0))
	s.GPUs = []snapshot.GPU{gpuWithServices(4)}
	st.Process(s)
	if l := s.GPUs[0].VRAM; l == nil || l.DetectorBytes != nil || l.LLMBytes != nil || l.OtherBytes != 4*gib {
		t.Errorf("ledger without processes = %+v", l)
	}
}
