package main

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestConnectInTmux runs `hsi-top demo --serve` as the remote box (a process of its own,
// with an API key) and `hsi-top --connect` in a 120×40 tmux pane: the panels fill with
// the remote's numbers (its two simulated GPUs), the keys work on them, killing the
// remote makes the header say "remote · stale" within two of the feed's intervals, and
// a remote started again on the same address is followed again.
func TestConnectInTmux(t *testing.T) {
	dir, bin := tmuxBinary(t)
	probe, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := probe.Addr().String()
	probe.Close()
	const key = "e2e-remote-key"
	startRemote := func() *exec.Cmd {
		t.Helper()
		cmd := exec.Command(bin, "demo", "--serve", addr, "--interval", "1s", "--config", "/dev/null")
		cmd.Env = append(os.Environ(), "HSI_API_KEY="+key)
		logFile, _ := os.Create(filepath.Join(dir, "remote.log"))
		cmd.Stdout, cmd.Stderr = logFile, logFile
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait(); logFile.Close() })
		for i := 0; i < 200; i++ {
			if resp, err := http.Get("http://" + addr + "/healthz"); err == nil {
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					return cmd
				}
			}
			time.Sleep(50 * time.Millisecond)
		}
		log, _ := os.ReadFile(filepath.Join(dir, "remote.log"))
		t.Fatalf("the remote never answered /healthz:\n%s", log)
		return nil
	}
	remote := startRemote()

	exitFile := filepath.Join(dir, "exit")
	shell := fmt.Sprintf("cd %q && env -u CI -u HSI_API_KEY NO_COLOR=1 TERM=xterm-256color %q --connect http://%s --api-key %s --config /dev/null; echo $? > %q; sleep 60",
		dir, bin, addr, key, exitFile)
	s := startTmux(t, "hsi-top-e2e-connect", 120, 40, shell)
	run := s.run
	waitFor := func(what string, ok func(string) bool) string { t.Helper(); return s.waitFor(what, 300, ok) }
	live := func(sc string) bool {
		return contains("remote "+addr, "RTX A5500", "RTX A2000", "● Live", "─ Containers ")(sc) && !strings.Contains(sc, "stale")
	}
	first := waitFor("the remote's numbers", live)
	t.Logf("connected:\n%s", first)

	run("send-keys", "-t", s.name, "3")
	waitFor("the 60m range", contains("[60m]"))
	run("send-keys", "-t", s.name, "g")
	waitFor("GPU1 selected", contains("▸ 1 RTX A2000"))
	run("send-keys", "-t", s.name, "a")
	waitFor("the alert log", contains("Active alerts"))
	run("send-keys", "-t", s.name, "Escape")
	waitFor("the log closed", contains("─ GPU "))

	remote.Process.Kill()
	remote.Wait()
	killed := time.Now()
	stale := waitFor("the link down", contains("remote · stale"))
	// The feed sends a frame every 5 s (feed_interval); two of them is the bound.
	if took := time.Since(killed); took > 10*time.Second {
		t.Errorf("the dashboard said stale %v after the remote died, want within two intervals (10s)", took)
	}
	t.Logf("remote killed:\n%s", stale)
	if !strings.Contains(stale, "RTX A5500") {
		t.Error("the last numbers left the screen when the link dropped")
	}

	startRemote()
	run("send-keys", "-t", s.name, "r") // retry now, not after the backoff
	waitFor("the remote followed again", live)

	run("send-keys", "-t", s.name, "q")
	wantExitZero(t, exitFile)
}
