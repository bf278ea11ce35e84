package feed

import (
	"strconv"

	"github.com/hsi-top/hsi-top/snapshot"
)

// writeDepthMetrics writes issue 14's numbers: GPU faults and limits, per-process SM
// use. Like the rest, an unknown number is a missing sample.
func writeDepthMetrics(e *expo, s *snapshot.Snapshot) {
	var clock, xid, pcieGen, pcieMaxGen, pcieWidth, pcieMaxWidth, shortfall, ecc, enc, dec, procSM []sample
	for _, g := range s.GPUs {
		idx := strconv.Itoa(g.Index)
		for _, c := range g.ClockEvents {
			clock = append(clock, one(c.ActiveSeconds, "gpu", idx, "reason", c.Reason, "limiting", strconv.FormatBool(c.Limiting)))
		}
		if g.Xids != nil {
			xid = append(xid, one(float64(snapshot.RecentXids(g.Xids, s.Timestamp.Time)), "gpu", idx))
		}
		if l := g.PCIe; l != nil {
			pcieGen = append(pcieGen, optInt32(l.Gen, "gpu", idx)...)
			pcieMaxGen = append(pcieMaxGen, optInt32(l.MaxGen, "gpu", idx)...)
			pcieWidth = append(pcieWidth, optInt32(l.Width, "gpu", idx)...)
			pcieMaxWidth = append(pcieMaxWidth, optInt32(l.MaxWidth, "gpu", idx)...)
			shortfall = append(shortfall, opt(l.ShortfallPercent, 0.01, "gpu", idx)...)
		}
		if c := g.ECC; c != nil {
			ecc = append(ecc, optU(c.VolatileCorrected, "gpu", idx, "type", "corrected")...)
			ecc = append(ecc, optU(c.VolatileUncorrected, "gpu", idx, "type", "uncorrected")...)
		}
		enc = append(enc, opt(g.EncoderUtilization, 0.01, "gpu", idx)...)
		dec = append(dec, opt(g.DecoderUtilization, 0.01, "gpu", idx)...)
		for _, p := range g.Processes {
			procSM = append(procSM, opt(p.SMUtilization, 0.01, "gpu", idx, "pid", strconv.FormatUint(uint64(p.PID), 10), "service", p.Service)...)
		}
	}
	e.gauge("hsi_top_gpu_clock_event_active_seconds", "How long each active clock-event (throttle) reason has been active; limiting=\"true\" for heat and power.", clock...)
	e.gauge("hsi_top_gpu_xid_errors_recent", "Xid errors the driver reported in the last 10 minutes.", xid...)
	e.gauge("hsi_top_gpu_pcie_link_generation", "PCIe link generation in use.", pcieGen...)
	e.gauge("hsi_top_gpu_pcie_link_max_generation", "Highest PCIe link generation the GPU and its slot allow.", pcieMaxGen...)
	e.gauge("hsi_top_gpu_pcie_link_width", "PCIe link width in use (lanes).", pcieWidth...)
	e.gauge("hsi_top_gpu_pcie_link_max_width", "Widest PCIe link the GPU and its slot allow (lanes).", pcieMaxWidth...)
	e.gauge("hsi_top_gpu_pcie_bandwidth_shortfall_ratio", "Part of the link's maximum bandwidth the current link lacks, 0 to 1.", shortfall...)
	e.counter("hsi_top_gpu_ecc_errors_total", "Volatile ECC errors since the driver loaded.", ecc...)
	e.gauge("hsi_top_gpu_encoder_utilization_ratio", "NVENC use, 0 to 1.", enc...)
	e.gauge("hsi_top_gpu_decoder_utilization_ratio", "NVDEC use, 0 to 1.", dec...)
	e.gauge("hsi_top_gpu_process_sm_utilization_ratio", "Each process's share of the SM over the last interval, 0 to 1.", procSM...)
	writeLedgerMetrics(e, s)
	writeLLMDepthMetrics(e, s.AIModels.Nemotron)
	writeRuntimeMetrics(e, s.Containers)
}

// writeRuntimeMetrics writes each row's container as the Engine API reports it.
func writeRuntimeMetrics(e *expo, rows snapshot.Containers) {
	var state, health, restarts, oom, exit, started, cpu, mem, limit []sample
	for _, c := range rows {
		r := c.Runtime
		if r == nil {
			continue
		}
		state = append(state, one(1, "service", c.Name, "state", r.State))
		health = append(health, one(1, "service", c.Name, "health", r.Health))
		restarts = append(restarts, optInt(r.RestartCount, "service", c.Name)...)
		oom = append(oom, one(boolValue(r.OOMKilled), "service", c.Name))
		if r.State != "running" {
			exit = append(exit, optInt(r.ExitCode, "service", c.Name)...)
		}
		if r.StartedAt != nil {
			started = append(started, one(float64(r.StartedAt.UnixNano())/1e9, "service", c.Name))
		}
		cpu = append(cpu, opt(r.CPUPercent, 0.01, "service", c.Name)...)
		mem = append(mem, optU(r.MemoryBytes, "service", c.Name)...)
		limit = append(limit, optU(r.MemoryLimitBytes, "service", c.Name)...)
	}
	e.gauge("hsi_top_container_state", "Container state from the Engine API, value 1 for the current state.", state...)
	e.gauge("hsi_top_container_health", "Container health check status, value 1 for the current status (none: no check).", health...)
	e.gauge("hsi_top_container_restarts", "Times the runtime restarted the container.", restarts...)
	e.gauge("hsi_top_container_oom_killed", "1 when the container's last exit was an out-of-memory kill.", oom...)
	e.gauge("hsi_top_container_exit_code", "Exit code of a container that is not running.", exit...)
	e.gauge("hsi_top_container_started_timestamp_seconds", "Unix time the container last started.", started...)
	e.gauge("hsi_top_container_cpu_cores", "CPUs the container used since the last tick (1 = one CPU busy).", cpu...)
	e.gauge("hsi_top_container_memory_bytes", "Container memory in use, less the page cache (as docker stats shows).", mem...)
	e.gauge("hsi_top_container_memory_limit_bytes", "Container memory limit.", limit...)
}

// writeLedgerMetrics writes each GPU's memory ledger: detector, LLM, other, free.
func writeLedgerMetrics(e *expo, s *snapshot.Snapshot) {
	var parts []sample
	for _, g := range s.GPUs {
		l := g.VRAM
		if l == nil {
			continue
		}
		idx := strconv.Itoa(g.Index)
		parts = append(parts, optU(l.DetectorBytes, "gpu", idx, "part", "detector")...)
		parts = append(parts, optU(l.LLMBytes, "gpu", idx, "part", "llm")...)
		parts = append(parts, one(float64(l.OtherBytes), "gpu", idx, "part", "other"), one(float64(l.FreeBytes), "gpu", idx, "part", "free"))
	}
	e.gauge("hsi_top_gpu_vram_ledger_bytes", "GPU memory by holder: detector, llm, other (driver, other processes), free.", parts...)
}

// writeLLMDepthMetrics writes the LLM's saturation and model numbers.
func writeLLMDepthMetrics(e *expo, l snapshot.LLM) {
	e.gauge("hsi_top_llm_requests_processing", "LLM requests being processed.", opt(l.RequestsProcessing, 1)...)
	e.gauge("hsi_top_llm_requests_deferred", "LLM requests waiting for a free slot (saturation).", opt(l.RequestsDeferred, 1)...)
	e.gauge("hsi_top_llm_model_size_bytes", "Size of the LLM's model (llama-server /v1/models).", optU(l.ModelSizeBytes)...)
	e.gauge("hsi_top_llm_gpu_layers", "Model layers on the GPU (llama-server /props, where reported).", optInt(l.GPULayers)...)
	e.gauge("hsi_top_llm_model_layers", "Model layers in all.", optInt(l.ModelLayers)...)
	e.gauge("hsi_top_llm_gpu_memory_bytes", "GPU memory the LLM's processes hold.", optU(l.VRAMUsedBytes)...)
	if l.VRAMUsedBytes != nil || l.GPULayers != nil {
		e.gauge("hsi_top_llm_cpu_offload", "1 when the LLM runs (partly) on the CPU: too few GPU layers or too little GPU memory.",
			one(boolValue(l.OffloadWarning != "")))
	}
}

func optInt32(v *int, labels ...string) []sample {
	if v == nil {
		return nil
	}
	return []sample{{lbl(labels...), float64(*v)}}
}
