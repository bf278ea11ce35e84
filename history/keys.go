package history

import (
	"math"
	"strconv"

	"github.com/hsi-top/hsi-top/snapshot"
)

// Series keys. GPU series are GPUKey(index, metric) with one of the GPU metrics; disk
// series are DiskKey(mount path).
const (
	KeyHostCPU   = "host.cpu"
	KeyHostRAM   = "host.ram"
	KeyHostNetRx = "host.net_rx"
	KeyHostNetTx = "host.net_tx"

	KeyDetectAvg   = "inference.detect.avg"
	KeyDetectP95   = "inference.detect.p95"
	KeyAnalyzeAvg  = "inference.analyze.avg"
	KeyAnalyzeP95  = "inference.analyze.p95"
	KeyPipelineAvg = "inference.pipeline.avg"
	KeyPipelineP95 = "inference.pipeline.p95"

	KeyImagesPerMin = "throughput.images"
	KeyEventsPerMin = "throughput.events"

	KeyQueueDetection = "queue.detection"
	KeyQueueAnalysis  = "queue.analysis"

	KeyPGConnectionsActive = "pg.connections_active"
	KeyPGTxPerMin          = "pg.tx_per_min"

	KeyRedisMemoryMB = "redis.memory_mb"
	KeyRedisHitRatio = "redis.hit_ratio"

	KeyLLMTokensPerSec = "llm.tokens_per_sec"
	KeyLLMSlotsBusy    = "llm.slots_busy"
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

// DiskKey names a mount's disk-usage series: "host.disk:<path>".
func DiskKey(path string) string { return "host.disk:" + path }

// MaxKeys bounds how many series a Store keeps, so that an input with ever-new GPU
// indexes or mount paths cannot grow it without limit. Samples for further keys are
// dropped.
const MaxKeys = 256

// keyCache keeps the built key strings for GPU indexes and mount paths, so that
// ingesting a snapshot does not build strings.
type keyCache struct {
	gpu  map[int]*[4]string
	disk map[string]string
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

func (c *keyCache) diskKey(path string) string {
	if k, ok := c.disk[path]; ok {
		return k
	}
	if len(c.disk) >= MaxKeys {
		return ""
	}
	k := DiskKey(path)
	c.disk[path] = k
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
	if len(h.Mounts) == 0 && h.DiskPercent != nil {
		addF(add, c.diskKey("/"), h.DiskPercent)
	}
	for i := range h.Mounts {
		if k := c.diskKey(h.Mounts[i].Path); k != "" {
			addF(add, k, h.Mounts[i].Percent)
		}
	}
	addF(add, KeyHostNetRx, h.NetRxBytesSec)
	addF(add, KeyHostNetTx, h.NetTxBytesSec)

	in := &s.Inference
	latency(add, in.DetectorLatency, KeyDetectAvg, KeyDetectP95)
	latency(add, in.LLMLatency, KeyAnalyzeAvg, KeyAnalyzeP95)
	latency(add, in.PipelineLatency, KeyPipelineAvg, KeyPipelineP95)
	if t := in.Throughput; t != nil {
		addF(add, KeyImagesPerMin, t.ImagesPerMin)
		addF(add, KeyEventsPerMin, t.EventsPerMin)
	} else {
		add(KeyImagesPerMin, 0, false)
		add(KeyEventsPerMin, 0, false)
	}
	if q := in.Queues; q != nil {
		addI(add, KeyQueueDetection, q.Detection)
		addI(add, KeyQueueAnalysis, q.Analysis)
	} else {
		add(KeyQueueDetection, 0, false)
		add(KeyQueueAnalysis, 0, false)
	}

	pg := &s.Databases.PostgreSQL
	addI(add, KeyPGConnectionsActive, pg.ConnectionsActive)
	addF(add, KeyPGTxPerMin, pg.TransactionsPerMin)
	rd := &s.Databases.Redis
	addF(add, KeyRedisMemoryMB, snapshot.InMiB(rd.MemoryUsedBytes))
	addF(add, KeyRedisHitRatio, rd.HitRatio)

	llm := &s.Nemotron
	if llm.TokensPerSecond == nil && llm.SlotsActive == nil {
		// The page's two copies are the same object; take whichever was filled.
		llm = &s.AIModels.Nemotron
	}
	addF(add, KeyLLMTokensPerSec, llm.TokensPerSecond)
	addI(add, KeyLLMSlotsBusy, llm.SlotsActive)
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

func latency(add sampleFunc, l *snapshot.Latency, avgKey, p95Key string) {
	if l == nil {
		add(avgKey, 0, false)
		add(p95Key, 0, false)
		return
	}
	addF(add, avgKey, l.Avg)
	addF(add, p95Key, l.P95)
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
