// Command abacus is the Abacus command-line tool.
//
//	abacus demo [flags]    an instrumented HTTP service under synthetic load
//	abacus bench [flags]   the contention lab: every counter type at 1, 2, 4, … goroutines
//	abacus help [command]  usage of a command
//
// Run `abacus help bench` for the flags.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// command is one subcommand.
type command struct {
	name    string
	summary string
	// run parses args and runs; it returns errUsage (wrapped) for bad
	// arguments, which exit 2, and any other error for failures, which exit 1.
	run func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

var errUsage = errors.New("usage")

// parseFlags parses a subcommand's arguments. With -help it prints the usage
// to stdout and returns flag.ErrHelp; a bad flag or a stray argument is an
// error wrapping errUsage, which run reports once (so fs prints nothing).
func parseFlags(fs *flag.FlagSet, args []string, stdout io.Writer) error {
	fs.SetOutput(io.Discard)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fs.SetOutput(stdout)
			fs.Usage()
			return err
		}
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected arguments %q", errUsage, fs.Args())
	}
	return nil
}

func commands() []command {
	return []command{
		{"demo", "run an instrumented HTTP service under synthetic load", runDemo},
		{"bench", "measure every counter type under contention (the contention lab)", runBench},
	}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// run executes the command line and returns the exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		usage(stderr)
		return 2
	}
	name := args[0]
	if name == "help" || name == "-h" || name == "-help" || name == "--help" {
		if len(args) > 1 {
			return run(ctx, []string{args[1], "-help"}, stdout, stderr)
		}
		usage(stdout)
		return 0
	}
	for _, c := range commands() {
		if c.name != name {
			continue
		}
		err := c.run(ctx, args[1:], stdout, stderr)
		switch {
		case err == nil || errors.Is(err, flag.ErrHelp):
			return 0
		case errors.Is(err, errUsage):
			fmt.Fprintf(stderr, "abacus %s: %v\nRun 'abacus help %s' for usage.\n", name, err, name)
			return 2
		default:
			fmt.Fprintf(stderr, "abacus %s: %v\n", name, err)
			return 1
		}
	}
	fmt.Fprintf(stderr, "abacus: unknown command %q\n\n", name)
	usage(stderr)
	return 2
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "Abacus: counting and metrics for Go services.")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Usage: abacus <command> [flags]")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Commands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-8s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "  help     show the usage of a command: abacus help <command>")
}
