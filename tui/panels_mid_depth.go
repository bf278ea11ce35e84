package tui

import (
	"strconv"

	"github.com/hsi-top/hsi-top/snapshot"
)

// deferredText is the LLM's waiting requests ("3 deferred", warning-coloured when any
// wait: the saturation signal), or "deferred –".
func deferredText(v *view, l snapshot.LLM) string {
	if l.RequestsDeferred == nil {
		return "deferred " + dash
	}
	s := strconv.Itoa(int(*l.RequestsDeferred)) + " deferred"
	if *l.RequestsDeferred > 0 {
		return v.st.Level[lvWarn].Render(s)
	}
	return s
}

// llmModelInfo is what /props and /v1/models say: the layers on the GPU, the GPU memory
// the LLM holds, the model size and file (cut first); nothing for what is unknown.
func llmModelInfo(l snapshot.LLM) []string {
	var info []string
	if l.GPULayers != nil {
		s := strconv.FormatInt(*l.GPULayers, 10)
		if l.ModelLayers != nil {
			s += "/" + strconv.FormatInt(*l.ModelLayers, 10)
		}
		info = append(info, s+" layers on GPU")
	}
	if l.VRAMUsedBytes != nil {
		info = append(info, "holds "+bytesHuman(float64(*l.VRAMUsedBytes))+" VRAM")
	}
	if l.ModelSizeBytes != nil {
		info = append(info, "model "+bytesHuman(float64(*l.ModelSizeBytes)))
	}
	if l.ModelFile != nil && l.Model == nil {
		info = append([]string{*l.ModelFile}, info...) // the model's name: first
	} else if l.ModelFile != nil { // last: the longest, the first cut in a narrow panel
		info = append(info, *l.ModelFile)
	}
	return info
}
