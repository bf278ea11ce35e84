package collector

import (
	"testing"

	"github.com/hsi-top/hsi-top/internal/testenv"
)

// TestLLMPropsFixture reads the recorded /props and /v1/models of a current llama-server.
func TestLLMPropsFixture(t *testing.T) {
	p, err := ParseLLMProps(testenv.ReadFixture(t, "llm-props.json"))
	if err != nil || p.ModelFile == nil || *p.ModelFile != "Nemotron-3-Nano-30B-A3B-Q4_K_M.gguf" ||
		i64(p.NCtx) != int64(4096) || i64(p.TotalSlots) != int64(2) || p.GPULayers != nil {
		t.Errorf("props = %+v, %v: want the model file, n_ctx 4096, 2 slots, layers unknown (not reported)", p, err)
	}
	size, layers, err := ParseLLMModels(testenv.ReadFixture(t, "llm-models.json"))
	if err != nil || size == nil || *size != 19138347008 || layers != nil {
		t.Errorf("models = size %v layers %v, %v", fmtU(size), i64(layers), err)
	}
}
