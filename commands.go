package main

import (
	"fmt"
	"io"
	"slices"
	"strings"
)

// subcommand is a word after the flags that selects a mode of its own. The table below
// feeds the argument check, the completion scripts and the man page.
type subcommand struct {
	name    string
	args    string // synopsis of its arguments, "" for none
	summary string
	maxArgs int
	choices []string // the values of its one argument, when they are a fixed set
}

// subcommands lists every subcommand, in the order --help, completion and the man page
// show them.
var subcommands = []subcommand{
	{name: "config", summary: "print the effective configuration (secrets redacted) and its origins"},
	{name: "demo", summary: "the dashboard (or --serve, --once) on a built-in simulated stack: the recorded service responses and two simulated GPUs, labelled DEMO"},
	{name: "healthcheck", args: "[URL]", maxArgs: 1,
		summary: "exit 0 when a --serve answers GET /healthz with 200, 2 when it does not (default " + defaultHealthURL + "); for container health checks, where the image has no curl"},
	{name: "completion", args: "bash|zsh|fish", maxArgs: 1, choices: completionShells,
		summary: "print the shell completion script for bash, zsh or fish"},
	{name: "man", summary: "print the manual page as roff (hsi-top man | man -l -)"},
	{name: "rules", summary: "with --format prometheus: print the alert rules, at the configured levels, as a Prometheus alerting-rules file over hsi-top's /metrics"},
	{name: "snooze", args: "[RULE[:OBJECT] DURATION|ack|off]", maxArgs: 2,
		summary: "silence an alert's notifications on every channel for DURATION, until it clears (ack), or no longer (off); without arguments, list the snoozes"},
}

// findSubcommand returns the subcommand named name, or nil.
func findSubcommand(name string) *subcommand {
	for i := range subcommands {
		if subcommands[i].name == name {
			return &subcommands[i]
		}
	}
	return nil
}

// checkArgs reports a usage error when args do not fit the subcommand.
func (c *subcommand) checkArgs(args []string) error {
	if len(args) > c.maxArgs {
		return usageError{fmt.Sprintf("%s: unexpected argument %q (usage: hsi-top %s %s)", c.name, args[c.maxArgs], c.name, c.args)}
	}
	if c.choices != nil {
		if len(args) == 0 {
			return usageError{fmt.Sprintf("%s needs one of %s", c.name, strings.Join(c.choices, ", "))}
		}
		if !slices.Contains(c.choices, args[0]) {
			return usageError{fmt.Sprintf("%s: %q is not one of %s", c.name, args[0], strings.Join(c.choices, ", "))}
		}
	}
	return nil
}

// runTool runs a subcommand that needs no configuration; ran is false for every other
// invocation.
func runTool(f *cliFlags, stdout, stderr io.Writer) (code int, ran bool) {
	switch f.subcommand {
	case "healthcheck":
		return runHealthcheck(f.subArgs, stdout, stderr), true
	case "completion":
		return runCompletion(f.subArgs, stdout, stderr), true
	case "man":
		return runManPage(f.subArgs, stdout, stderr), true
	}
	return 0, false
}
