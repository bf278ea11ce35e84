package main

import (
	"fmt"
	"io"

	"github.com/hsi-top/hsi-top/alerts"
	"github.com/hsi-top/hsi-top/config"
)

// checkRulesFlags: rules needs --format prometheus, and --format is for rules only.
func checkRulesFlags(f *cliFlags) error {
	switch {
	case f.subcommand == "rules" && f.format != "prometheus":
		return usageError{fmt.Sprintf("rules: --format %q is not supported (use --format prometheus)", f.format)}
	case f.subcommand != "rules" && f.format != "":
		return usageError{"--format is for the rules subcommand (hsi-top rules --format prometheus)"}
	}
	return nil
}

// printRules writes the enabled alert rules as a Prometheus alerting-rules file.
func printRules(cfg config.Config, stdout, stderr io.Writer) int {
	out, err := alerts.PrometheusRules(cfg.Alerts)
	if err != nil {
		fmt.Fprintf(stderr, "hsi-top: rules: %v\n", err)
		return exitUnknown
	}
	stdout.Write(out)
	return exitOK
}
