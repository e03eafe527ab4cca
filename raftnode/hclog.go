package raftnode

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log"
	"log/slog"
	"strings"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-hclog"
)

// hclogAdapter implements hclog.Logger on top of a *slog.Logger, so that
// raft, its transport and its snapshot store log through the same handler
// as the rest of the process. Every line carries component=raft (added by
// newHCLogger); an hclog name becomes a "name" attribute. Which levels are
// written is the slog handler's decision (hclog Trace maps to
// slog.LevelDebug-4, Debug to slog.LevelDebug); SetLevel can only raise the
// threshold further.
type hclogAdapter struct {
	base    *slog.Logger // component=raft only: slog cannot remove attributes
	l       *slog.Logger // base with name and implied args attached
	name    string
	implied []interface{}
	min     *atomic.Int32 // hclog.Level set by SetLevel, shared with derived loggers
}

var _ hclog.Logger = (*hclogAdapter)(nil)

func newHCLogger(l *slog.Logger) *hclogAdapter {
	base := l.With("component", "raft")
	a := &hclogAdapter{base: base, l: base, min: new(atomic.Int32)}
	a.min.Store(int32(hclog.NoLevel))
	return a
}

func slogLevel(level hclog.Level) slog.Level {
	switch level {
	case hclog.Trace:
		return slog.LevelDebug - 4
	case hclog.Debug:
		return slog.LevelDebug
	case hclog.Warn:
		return slog.LevelWarn
	case hclog.Error:
		return slog.LevelError
	default: // Info, NoLevel
		return slog.LevelInfo
	}
}

func (a *hclogAdapter) enabled(level hclog.Level) bool {
	if level == hclog.Off {
		return false
	}
	if min := hclog.Level(a.min.Load()); min != hclog.NoLevel && level < min {
		return false
	}
	return a.l.Enabled(context.Background(), slogLevel(level))
}

func (a *hclogAdapter) Log(level hclog.Level, msg string, args ...interface{}) {
	if !a.enabled(level) {
		return
	}
	a.l.Log(context.Background(), slogLevel(level), msg, slogArgs(args)...)
}

// slogArgs renders the values slog would print badly: raft passes
// hclog.Fmt values (printed as their format string and arguments) and
// types with a String method but no exported fields (a JSON handler
// prints those as {}). Errors, times and durations slog prints itself.
func slogArgs(args []interface{}) []interface{} {
	out, copied := args, false
	for i := 1; i < len(args); i += 2 {
		var s string
		switch v := args[i].(type) {
		case hclog.Format:
			if len(v) == 0 {
				continue
			}
			f, _ := v[0].(string)
			s = fmt.Sprintf(f, v[1:]...)
		case error, time.Duration, time.Time, slog.Value, slog.LogValuer:
			continue
		case fmt.Stringer:
			s = v.String()
		default:
			continue
		}
		if !copied {
			out, copied = append([]interface{}(nil), args...), true // never change the caller's slice
		}
		out[i] = s
	}
	return out
}

func (a *hclogAdapter) Trace(msg string, args ...interface{}) { a.Log(hclog.Trace, msg, args...) }
func (a *hclogAdapter) Debug(msg string, args ...interface{}) { a.Log(hclog.Debug, msg, args...) }
func (a *hclogAdapter) Info(msg string, args ...interface{})  { a.Log(hclog.Info, msg, args...) }
func (a *hclogAdapter) Warn(msg string, args ...interface{})  { a.Log(hclog.Warn, msg, args...) }
func (a *hclogAdapter) Error(msg string, args ...interface{}) { a.Log(hclog.Error, msg, args...) }

func (a *hclogAdapter) IsTrace() bool { return a.enabled(hclog.Trace) }
func (a *hclogAdapter) IsDebug() bool { return a.enabled(hclog.Debug) }
func (a *hclogAdapter) IsInfo() bool  { return a.enabled(hclog.Info) }
func (a *hclogAdapter) IsWarn() bool  { return a.enabled(hclog.Warn) }
func (a *hclogAdapter) IsError() bool { return a.enabled(hclog.Error) }

func (a *hclogAdapter) ImpliedArgs() []interface{} { return a.implied }

func (a *hclogAdapter) With(args ...interface{}) hclog.Logger {
	b := *a
	b.implied = append(append([]interface{}(nil), a.implied...), args...)
	b.l = a.l.With(slogArgs(args)...)
	return &b
}

func (a *hclogAdapter) Name() string { return a.name }

func (a *hclogAdapter) Named(name string) hclog.Logger {
	if a.name != "" {
		name = a.name + "." + name
	}
	return a.ResetNamed(name)
}

func (a *hclogAdapter) ResetNamed(name string) hclog.Logger {
	b := *a
	b.name = name
	// Rebuild from the base so that an earlier name attribute is replaced,
	// not repeated.
	root := a.base
	if name != "" {
		root = root.With("name", name)
	}
	b.l = root.With(a.implied...)
	return &b
}

func (a *hclogAdapter) SetLevel(level hclog.Level) { a.min.Store(int32(level)) }

func (a *hclogAdapter) GetLevel() hclog.Level {
	for _, l := range []hclog.Level{hclog.Trace, hclog.Debug, hclog.Info, hclog.Warn, hclog.Error} {
		if a.enabled(l) {
			return l
		}
	}
	return hclog.Off
}

func (a *hclogAdapter) StandardLogger(opts *hclog.StandardLoggerOptions) *log.Logger {
	return log.New(a.StandardWriter(opts), "", 0)
}

func (a *hclogAdapter) StandardWriter(opts *hclog.StandardLoggerOptions) io.Writer {
	if opts == nil {
		opts = &hclog.StandardLoggerOptions{}
	}
	return &stdWriter{a: a, opts: *opts}
}

// stdWriter turns lines written by a standard library *log.Logger into log
// records, inferring "[DEBUG]"-style level prefixes when asked to.
type stdWriter struct {
	a    *hclogAdapter
	opts hclog.StandardLoggerOptions
}

func (w *stdWriter) Write(p []byte) (int, error) {
	for _, line := range bytes.Split(bytes.TrimRight(p, "\n"), []byte("\n")) {
		msg := strings.TrimSpace(string(line))
		level := hclog.Info
		if w.opts.ForceLevel != hclog.NoLevel {
			level = w.opts.ForceLevel
		}
		if w.opts.InferLevels || w.opts.InferLevelsWithTimestamp {
			level, msg = inferLevel(level, msg)
		}
		w.a.Log(level, msg)
	}
	return len(p), nil
}

func inferLevel(def hclog.Level, msg string) (hclog.Level, string) {
	prefixes := []struct {
		p string
		l hclog.Level
	}{
		{"[TRACE]", hclog.Trace}, {"[DEBUG]", hclog.Debug}, {"[INFO]", hclog.Info},
		{"[WARN]", hclog.Warn}, {"[ERR]", hclog.Error}, {"[ERROR]", hclog.Error},
	}
	for _, p := range prefixes {
		if i := strings.Index(msg, p.p); i >= 0 {
			return p.l, strings.TrimSpace(msg[i+len(p.p):])
		}
	}
	return def, msg
}
