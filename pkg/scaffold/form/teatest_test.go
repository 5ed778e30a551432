package form

import (
	"bytes"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/charmbracelet/x/exp/teatest/v2"
)

// The whole form in a bubbletea program at 80x24, driven by keys.
func TestForm_teatest(t *testing.T) {
	tm := teatest.NewTestModel(t, New(testOptions()), teatest.WithInitialTermSize(80, 24))
	waitFor := func(s string) {
		t.Helper()
		teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return bytes.Contains(b, []byte(s)) },
			teatest.WithDuration(5*time.Second), teatest.WithCheckInterval(10*time.Millisecond))
	}
	waitFor("What is the app's name?")
	tm.Type("my-shop")
	tm.Send(tea.KeyPressMsg{Code: tea.KeyEnter})
	waitFor("Which template?")
	tm.Send(tea.KeyPressMsg{Code: tea.KeyDown})
	tm.Send(tea.KeyPressMsg{Code: tea.KeyEnter})
	waitFor("Install npm dependencies now?")
	tm.Type("n")
	waitFor("Initialise a git repository?")
	tm.Send(tea.KeyPressMsg{Code: tea.KeyEnter})

	final := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(Model)
	want := Answers{Name: "my-shop", Template: "worker", Install: false, Git: true}
	if got := final.Answers(); !final.Done() || got != want {
		t.Errorf("done %v, answers %+v, want %+v", final.Done(), got, want)
	}
	golden.RequireEqual(t, []byte(final.View().Content))
}

func TestForm_teatestCancel(t *testing.T) {
	tm := teatest.NewTestModel(t, New(testOptions()), teatest.WithInitialTermSize(80, 24))
	tm.Type("abc")
	tm.Send(tea.KeyPressMsg{Code: tea.KeyEscape})
	final := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(Model)
	if !final.Cancelled() || final.Done() {
		t.Errorf("cancelled %v, done %v", final.Cancelled(), final.Done())
	}
}
