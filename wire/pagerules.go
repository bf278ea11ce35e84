package wire

import (
	"github.com/hsi-top/hsi-top/snapshot"
)

// The page rules: what the stack's React page needs from the frames it reads in order
// not to crash and not to mislead (contract.md §3b). They are applied here and nowhere
// else, by Page (performance_update's data on the page's wire: the frames, GET
// /api/system/performance and its history points) and by Status (system_status).
// Performance, which --once --json encodes, carries no page rule: hsi-top's own output
// says null for every unknown. The README's "What the page is sent when a number is
// unknown" section is the rule table in words.

// Page is performance_update's data for s as the page's wire carries it: Performance
// with the page rules applied; nil for a nil s.
func Page(s *snapshot.Snapshot) *PageData {
	p := Performance(s)
	if p == nil {
		return nil
	}
	return &PageData{
		PerformanceData: p,
		Inference:       pageInference(p.Inference, p.Databases.PostgreSQL, p.Overview),
		Databases:       pageDatabases(p.Databases),
		Containers:      pageContainers(p.Containers),
	}
}

// PageData is PerformanceData with the sections the page rules change replaced: its
// fields shadow the embedded ones of the same JSON name.
type PageData struct {
	*PerformanceData
	Inference  PageInference `json:"inference"`
	Databases  PageDatabases `json:"databases"`
	Containers []Container   `json:"containers"`
}

// PageDatabases is databases on the page's wire. The page calls .toFixed on Redis's
// hit_ratio and memory_mb and on the PostgreSQL card's numbers whenever the object
// exists, so an object is sent only when those numbers are; Postgres is the same card
// again under the name the page's summary row counts.
type PageDatabases struct {
	PostgreSQL *PostgreSQL `json:"postgresql,omitempty"`
	Postgres   *PostgreSQL `json:"postgres,omitempty"`
	Redis      *Redis      `json:"redis,omitempty"`
}

// PageInference is inference on the page's wire: the original keys, plus the alias keys
// the page reads, each present only when its number is known (an absent key is what
// the page already takes for "none"; a null it might dereference).
type PageInference struct {
	DetectorLatency *Latency                 `json:"rtdetr_latency_ms"`
	Yolo26Latency   *Latency                 `json:"yolo26_latency_ms,omitempty"`
	LLMLatency      *Latency                 `json:"nemotron_latency_ms"`
	PipelineLatency *PagePipeline            `json:"pipeline_latency_ms"`
	Throughput      *PageThroughput          `json:"throughput"`
	Queues          *PageQueues              `json:"queues"`
	Errors          map[snapshot.Part]string `json:"errors,omitempty"`
}

// PagePipeline adds db_query, the PostgreSQL round trip in ms (the PostgreSQL card's
// latency), to the pipeline latency.
type PagePipeline struct {
	Latency
	DBQueryMS *float64 `json:"db_query,omitempty"`
}

// PageThroughput adds the page's names: detections_per_minute (images_per_min: each
// processed image is one detection run) and detections_total (the detections table).
type PageThroughput struct {
	Throughput
	DetectionsPerMinute *float64 `json:"detections_per_minute,omitempty"`
	DetectionsTotal     *int64   `json:"detections_total,omitempty"`
}

// PageQueues adds the summary row's names of the two queue depths.
type PageQueues struct {
	Queues
	DetectionQueue *int64 `json:"detection_queue,omitempty"`
	AnalysisQueue  *int64 `json:"analysis_queue,omitempty"`
}

// pageDatabases applies the null rules: a Redis card only with its memory known (Redis
// answered) and a hit ratio to show — measured, or 100 when the interval had no lookups
// (none missed); a hit ratio not yet measured (the first sample, counters reset) leaves
// the card out until it is. A PostgreSQL card only with all four numbers known. A card
// left out is a service the page cannot show numbers for; its container row and
// system_status say why (down), so it does not vanish unseen.
func pageDatabases(d Databases) PageDatabases {
	var out PageDatabases
	if r := d.Redis; r.Status != snapshot.StatusUnreachable && r.MemoryMB != nil &&
		(r.HitRatio != nil || r.HitRatioNote == snapshot.HitRatioNoLookups) {
		if r.HitRatio == nil { // no lookups: none missed (hit_ratio_note says so beside it)
			r.HitRatio = snapshot.F(100)
		}
		out.Redis = &r
	}
	if pg := d.PostgreSQL; pg.Status != snapshot.StatusUnreachable && pg.ConnectionsActive != nil &&
		pg.ConnectionsMax != nil && pg.CacheHitRatio != nil && pg.TransactionsPerMin != nil {
		card := pg
		out.PostgreSQL, out.Postgres = &card, &card
	}
	return out
}

// pageInference adds the alias keys where the number is known.
func pageInference(in Inference, pg PostgreSQL, ov snapshot.Overview) PageInference {
	out := PageInference{DetectorLatency: in.DetectorLatency, LLMLatency: in.LLMLatency, Errors: in.Errors}
	if in.DetectorKey != "" && in.DetectorKey != snapshot.DefaultDetectorKey {
		out.Yolo26Latency = in.DetectorLatency
	}
	if l := in.PipelineLatency; l != nil {
		out.PipelineLatency = &PagePipeline{Latency: *l}
		if pg.Status != snapshot.StatusUnreachable {
			out.PipelineLatency.DBQueryMS = pg.PingMS
		}
	}
	if t := in.Throughput; t != nil {
		out.Throughput = &PageThroughput{Throughput: *t, DetectionsPerMinute: t.ImagesPerMin, DetectionsTotal: ov.DetectionsTotal}
	}
	if q := in.Queues; q != nil {
		out.Queues = &PageQueues{Queues: *q, DetectionQueue: q.Detection, AnalysisQueue: q.Analysis}
	}
	return out
}

// pageContainers gives a service that is down (unreachable or unhealthy) the health
// "unhealthy": the page reads only health, and shows "none" as a grey Unknown.
func pageContainers(cs []Container) []Container {
	if cs == nil {
		return nil
	}
	out := make([]Container, len(cs))
	for i, c := range cs {
		if c.State == snapshot.StatusUnreachable || c.State == snapshot.HealthUnhealthy {
			c.Health = snapshot.HealthUnhealthy
		}
		out[i] = c
	}
	return out
}

// applyStatusRules fills what system_status's GPU memory misses when the primary GPU
// object is absent (its utilization unknown) but another reading of a device knows the
// memory: memory_used and memory_total come from the first device that has them.
func applyStatusRules(d *StatusData, s *snapshot.Snapshot) {
	if d.GPU.MemoryUsed != nil && d.GPU.MemoryTotal != nil {
		return
	}
	for _, g := range s.GPUs {
		used, total := wholeMiB(g.MemoryUsedBytes), wholeMiB(g.MemoryTotalBytes)
		if used == nil && total == nil {
			continue
		}
		if d.GPU.MemoryUsed == nil {
			d.GPU.MemoryUsed = used
		}
		if d.GPU.MemoryTotal == nil {
			d.GPU.MemoryTotal = total
		}
		return
	}
}
