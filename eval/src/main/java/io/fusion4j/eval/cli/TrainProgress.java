package io.fusion4j.eval.cli;

import io.fusion4j.api.train.TrainEvent;

import java.io.PrintWriter;

/**
 * A training run's progress lines: the step line in place on a terminal, every 10 steps otherwise; validations,
 * checkpoints, resumes, warnings and the end each on a line of their own. Subclasses say what a step and a
 * validation show.
 */
abstract class TrainProgress {
    private final PrintWriter out;
    private final boolean tty;
    private final long start = System.nanoTime();
    private long firstStep = -1;

    TrainProgress(PrintWriter out, boolean tty) {
        this.out = out;
        this.tty = tty;
    }

    /** The step line, {@code eta} the seconds left at this run's pace so far. */
    abstract String step(TrainEvent.Step s, long eta);

    /** What follows {@code "validation at step N: "}. */
    abstract String validation(TrainEvent.Validation v);

    final void accept(TrainEvent e) {
        switch (e) {
            case TrainEvent.Step s -> {
                if (firstStep < 0) {
                    firstStep = s.step() - 1;
                }
                double elapsed = (System.nanoTime() - start) / 1e9;
                double perStep = elapsed / Math.max(1, s.step() - firstStep);
                String line = step(s, Math.round(perStep * (s.totalSteps() - s.step())));
                if (tty) {
                    out.print("\r" + line);
                } else if (s.step() % 10 == 0 || s.step() == s.totalSteps()) {
                    out.println(line);
                }
            }
            case TrainEvent.Validation v -> out.printf("%svalidation at step %d: %s%n", tty ? "\n" : "", v.step(),
                    validation(v));
            case TrainEvent.Checkpoint c -> out.printf("%scheckpoint %s%n", tty ? "\n" : "", c.folder());
            case TrainEvent.Resumed r -> out.printf("resumed at step %d from %s%n", r.step(), r.folder());
            case TrainEvent.Warning w -> out.printf("%sWARNING: %s%n", tty ? "\n" : "", w.message());
            case TrainEvent.Finished f -> out.printf("%s%s at step %d%n", tty ? "\n" : "",
                    f.interrupted() ? "stopped (checkpoint written)" : "finished", f.step());
        }
        out.flush();
    }
}
