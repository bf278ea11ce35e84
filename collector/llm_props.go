package collector

import (
	"context"
	"fmt"
	"net/http"
	"path"
	"time"

	"github.com/hsi-top/hsi-top/snapshot"
)

// PropsEvery is how often llama-server's /props and /v1/models are asked again once
// they answered: the model, its context and its layers change only on a restart.
const PropsEvery = time.Minute

// LLMProps is what llama-server says about its model: /props (model file, n_ctx, slots,
// and the GPU layers on builds that report them) and /v1/models (the model's size).
// Each field is nil when the server does not say.
type LLMProps struct {
	ModelFile      *string
	NCtx           *int64
	TotalSlots     *int64
	GPULayers      *int64
	ModelLayers    *int64
	ModelSizeBytes *uint64
}

// llmPropsJSON is the part of /props hsi-top reads. It has no prompt, template or
// generated-text field, so that text is never copied out of the body.
type llmPropsJSON struct {
	ModelPath  *string `json:"model_path"`
	TotalSlots *int64  `json:"total_slots"`
	// n_gpu_layers and n_layer are not in every build; some put them under
	// default_generation_settings (or its params).
	NGPULayers *int64 `json:"n_gpu_layers"`
	NLayer     *int64 `json:"n_layer"`
	Default    *struct {
		NCtx       *int64 `json:"n_ctx"`
		NGPULayers *int64 `json:"n_gpu_layers"`
		Params     *struct {
			NGPULayers *int64 `json:"n_gpu_layers"`
		} `json:"params"`
	} `json:"default_generation_settings"`
}

// llmModelsJSON is /v1/models: each model's meta carries its size in bytes.
type llmModelsJSON struct {
	Data []struct {
		Meta *struct {
			Size   *float64 `json:"size"`
			NLayer *int64   `json:"n_layer"`
		} `json:"meta"`
	} `json:"data"`
}

// ParseLLMProps reads a /props body. Negative counts are dropped (unknown, never -1).
func ParseLLMProps(body []byte) (LLMProps, error) {
	var raw llmPropsJSON
	if err := DecodeJSON(body, &raw); err != nil {
		return LLMProps{}, err
	}
	var p LLMProps
	if raw.ModelPath != nil && *raw.ModelPath != "" {
		f := path.Base(CleanText(*raw.ModelPath, 200))
		p.ModelFile = &f
	}
	p.TotalSlots = countOrNil(raw.TotalSlots)
	p.GPULayers = countOrNil(raw.NGPULayers)
	p.ModelLayers = countOrNil(raw.NLayer)
	if d := raw.Default; d != nil {
		p.NCtx = countOrNil(d.NCtx)
		if p.GPULayers == nil {
			p.GPULayers = countOrNil(d.NGPULayers)
		}
		if p.GPULayers == nil && d.Params != nil {
			p.GPULayers = countOrNil(d.Params.NGPULayers)
		}
	}
	return p, nil
}

// ParseLLMModels reads a /v1/models body: the first model's size and layer count.
func ParseLLMModels(body []byte) (size *uint64, layers *int64, err error) {
	var raw llmModelsJSON
	if err := DecodeJSON(body, &raw); err != nil {
		return nil, nil, err
	}
	for _, m := range raw.Data {
		if m.Meta == nil {
			continue
		}
		if s := m.Meta.Size; s != nil && *s > 0 && *s < 1<<50 {
			size = snapshot.U(uint64(*s))
		}
		return size, countOrNil(m.Meta.NLayer), nil
	}
	return nil, nil, nil
}

// countOrNil is a count, or nil when absent or negative.
func countOrNil(v *int64) *int64 {
	if v == nil || *v < 0 {
		return nil
	}
	return snapshot.I(*v)
}

// readProps fills the model's props into out: from the cache while it is younger than
// PropsEvery, else from /props and /v1/models. /v1/models is optional: without it the
// size stays unknown.
func (l *LLMSource) readProps(ctx context.Context, hdr http.Header, out *snapshot.LLM) {
	now := l.now()
	l.mu.Lock()
	cached, at, errMsg := l.props, l.propsAt, l.propsErr
	l.mu.Unlock()
	if at.IsZero() || now.Sub(at) >= PropsEvery {
		var settled bool
		cached, errMsg, settled = l.fetchProps(ctx, hdr)
		l.mu.Lock()
		l.props, l.propsErr = cached, errMsg
		if settled {
			l.propsAt = now // else (no answer, or a transient one) asked again next tick
		}
		l.mu.Unlock()
	}
	out.PropsError = errMsg
	out.ModelFile, out.NCtx, out.GPULayers, out.ModelLayers = cached.ModelFile, cached.NCtx, cached.GPULayers, cached.ModelLayers
	out.ModelSizeBytes = cached.ModelSizeBytes
	out.OffloadWarning = LayersOffloadWarning(cached.GPULayers, cached.ModelLayers)
}

// fetchProps asks /props, then /v1/models for the size. settled says the answer holds
// for PropsEvery: the properties, or a server that has no /props or refuses it (an
// older llama-server answers 404, one with an API key 401); no answer, a bad body or
// another status (503 while the model loads) is asked again at the next tick.
func (l *LLMSource) fetchProps(ctx context.Context, hdr http.Header) (p LLMProps, errMsg string, settled bool) {
	resp, err := l.client.Get(ctx, l.base+"/props", hdr)
	if err != nil {
		return LLMProps{}, "/props: " + err.Error(), false
	}
	defer clear(resp.Body)
	switch resp.Status {
	case http.StatusOK:
	case http.StatusNotFound, http.StatusMethodNotAllowed, http.StatusUnauthorized, http.StatusForbidden:
		return LLMProps{}, fmt.Sprintf("/props: HTTP %d", resp.Status), true
	default:
		return LLMProps{}, fmt.Sprintf("/props: HTTP %d", resp.Status), false
	}
	p, err = ParseLLMProps(resp.Body)
	if err != nil {
		return LLMProps{}, "/props: " + err.Error(), false
	}
	if resp, err := l.client.Get(ctx, l.base+"/v1/models", hdr); err == nil && resp.Status == http.StatusOK {
		if size, layers, err := ParseLLMModels(resp.Body); err == nil {
			p.ModelSizeBytes = size
			if p.ModelLayers == nil {
				p.ModelLayers = layers
			}
		}
	}
	return p, "", true
}

// LayersOffloadWarning says when fewer layers are on the GPU than the model has (the
// rest run on the CPU, many times slower); "" when all are or a number is unknown.
func LayersOffloadWarning(gpuLayers, modelLayers *int64) string {
	switch {
	case gpuLayers == nil:
		return ""
	case *gpuLayers == 0:
		return "no model layers on the GPU: the LLM runs on the CPU"
	case modelLayers != nil && *gpuLayers < *modelLayers:
		return fmt.Sprintf("only %d of %d model layers on the GPU: the rest run on the CPU", *gpuLayers, *modelLayers)
	}
	return ""
}
