package history

import (
	"math"
	"strconv"

	"github.com/hsi-top/hsi-top/snapshot"
)

// Series keys: the series the views chart, and only those (a new chart adds its key
// here and its sample in eachSample). GPU series are GPUKey(index, metric) with one of
// the GPU metrics.
const (
	KeyHostCPU = "host.cpu"
	KeyHostRAM = "host.ram"

	KeyDetectP95  = "inference.detect.p95"
	KeyAnalyzeP95 = "inference.analyze.p95"

	KeyImagesPerMin = "throughput.images"

	KeyPGConnectionsActive = "pg.connections_active"

	// KeyRedisMemoryMB is Redis's used_memory in MiB (the chart's unit).
	KeyRedisMemoryMB = "redis.memory_mb"

	KeyLLMTokensPerSec = "llm.tokens_per_sec"
	KeyLLMSlotsBusy    = "llm.slots_busy"

	// Issue 14: the LLM's prompt speed (KeyLLMTokensPerSec is generation), and
	// KeyContention: 1 while an LLM slot is busy or a GPU is throttled by heat or power,
	// 0 when neither, for the marks on the detector-latency chart.
	KeyLLMPromptTokensPerSec = "llm.prompt_tokens_per_sec"
	KeyContention            = "contention"
)

// GPU metric names for GPUKey.
const (
	GPUUtilization = "utilization"
	GPUVRAMPercent = "vram_percent"
	GPUTemperature = "temperature"
	GPUPower       = "power"
)

// gpuMetrics is the order of a GPU's cached keys.
var gpuMetrics = [4]string{GPUUtilization, GPUVRAMPercent, GPUTemperature, GPUPower}

// GPUKey names a GPU series: "gpu.<idx>.<metric>", for example "gpu.0.utilization".
func GPUKey(idx int, metric string) string {
	return "gpu." + strconv.Itoa(idx) + "." + metric
}

// MaxKeys bounds how many series a Store keeps, so that an input with ever-new GPU
// indexes cannot grow it without limit. Samples for further keys are
// dropped.
const MaxKeys = 256

// keyCache keeps the built key strings for GPU indexes, so that ingesting a snapshot
// does not build strings.
type keyCache struct {
	gpu map[int]*[4]string
}

func (c *keyCache) gpuKeys(idx int) *[4]string {
	if k, ok := c.gpu[idx]; ok {
		return k
	}
	if len(c.gpu) >= MaxKeys {
		return nil
	}
	k := new([4]string)
	for i, m := range gpuMetrics {
		k[i] = GPUKey(idx, m)
	}
	c.gpu[idx] = k
	return k
}

// sampleFunc receives one sample: ok is false when the value is unknown.
type sampleFunc func(key string, v float64, ok bool)

// eachSample calls add with every charted number of s, known or not, under its series
// key. It does not allocate once the keys of s are cached.
func (c *keyCache) eachSample(s *snapshot.Snapshot, add sampleFunc) {
	if len(s.GPUs) == 0 && s.GPU != nil {
		c.gpu1(s.GPU, add)
	}
	for i := range s.GPUs {
		c.gpu1(&s.GPUs[i], add)
	}

	h := &s.Host
	addF(add, KeyHostCPU, h.CPUPercent)
	addF(add, KeyHostRAM, h.RAMPercent)

	in := &s.Inference
	addF(add, KeyDetectP95, p95(in.DetectorLatency))
	addF(add, KeyAnalyzeP95, p95(in.LLMLatency))
	var images *float64
	if t := in.Throughput; t != nil {
		images = t.ImagesPerMin
	}
	addF(add, KeyImagesPerMin, images)

	addI(add, KeyPGConnectionsActive, s.Databases.PostgreSQL.ConnectionsActive)
	addF(add, KeyRedisMemoryMB, snapshot.InMiB(s.Databases.Redis.MemoryUsedBytes))

	llm := &s.Nemotron
	if llm.TokensPerSecond == nil && llm.SlotsActive == nil {
		// The page's two copies are the same object; take whichever was filled.
		llm = &s.AIModels.Nemotron
	}
	addF(add, KeyLLMTokensPerSec, llm.TokensPerSecond)
	addI(add, KeyLLMSlotsBusy, llm.SlotsActive)
	addF(add, KeyLLMPromptTokensPerSec, llm.PromptTokensPerSecond)
	contention(s, llm, add)
}

func (c *keyCache) gpu1(g *snapshot.GPU, add sampleFunc) {
	k := c.gpuKeys(g.Index)
	if k == nil {
		return
	}
	addF(add, k[0], g.Utilization)
	addF(add, k[1], g.VRAMPercent)
	addF(add, k[2], g.Temperature)
	addF(add, k[3], g.PowerWatts)
}

// p95 is a latency's p95, or nil.
func p95(l *snapshot.Latency) *float64 {
	if l == nil {
		return nil
	}
	return l.P95
}

// addF passes a *float64 sample; NaN and infinities are unknown, like nil.
func addF(add sampleFunc, key string, v *float64) {
	if v == nil || math.IsNaN(*v) || math.IsInf(*v, 0) {
		add(key, 0, false)
		return
	}
	add(key, *v, true)
}

func addI(add sampleFunc, key string, v *int64) {
	if v == nil {
		add(key, 0, false)
		return
	}
	add(key, float64(*v), true)
}
