package wire

// applyPageRules is the last step of Performance: the rules that keep the page's own
// code working (contract.md §3b: fields whose null it cannot take, alias keys it reads),
// applied to the wire struct and nowhere else. It runs on a copy, never on the snapshot.
func applyPageRules(p *PerformanceData) {}
