package io.fusion4j.eval.suite;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fusion4j.api.UserInputException;
import io.fusion4j.api.io.CheckpointStore;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.function.BooleanSupplier;

/**
 * Runs a plan's commands in order and remembers what finished: each command that succeeds leaves a marker in
 * {@code OUT/.done/} holding its arguments, so rerunning the same {@code eval} skips it, and a training run that
 * was stopped resumes from its checkpoint (every train command carries {@code --resume}). A marker whose arguments
 * differ from the plan's is refused: that folder belongs to other settings. Between steps it prints the suite's
 * progress bar with an ETA from the pace of the steps run so far.
 */
public final class SuiteRunner {
    /** Runs one {@code fusion4j} command line and returns its exit code. */
    public interface Cli {
        int run(List<String> args);
    }

    private final Path out;
    private final Cli cli;
    private final PrintWriter o;
    private final BooleanSupplier stopping;

    public SuiteRunner(Path out, Cli cli, PrintWriter o, BooleanSupplier stopping) {
        this.out = out;
        this.cli = cli;
        this.o = o;
        this.stopping = stopping;
    }

    /** Runs what is not done yet; false when a stop was asked for before the end. */
    public boolean run(List<SuiteStep> steps) throws IOException {
        double total = steps.stream().mapToDouble(SuiteStep::weight).sum();
        double done = 0;
        double ranWeight = 0;
        long started = System.nanoTime();
        int k = 0;
        for (SuiteStep step : steps) {
            k++;
            boolean finished = true;
            for (int c = 0; c < step.commands().size(); c++) {
                finished &= marked(step, c);
            }
            if (finished) {
                done += step.weight();
                o.printf("[%d/%d] %s: done (skipped)%n", k, steps.size(), step.id());
                continue;
            }
            double elapsed = (System.nanoTime() - started) / 1e9;
            String eta = ranWeight > 0 ? clock(elapsed / ranWeight * (total - done)) : "?";
            o.printf(Locale.ROOT, "%s [%d/%d] %s (suite %.0f%%, ETA %s)%n", bar(done / total), k, steps.size(),
                    step.id(), 100 * done / total, eta);
            o.flush();
            for (int c = 0; c < step.commands().size(); c++) {
                if (marked(step, c)) {
                    continue;
                }
                String line = step.shellLines().get(c);
                o.println("$ " + line);
                o.flush();
                int rc = cli.run(step.commands().get(c));
                if (rc != 0) {
                    throw new UserInputException("suite step " + step.id() + " failed: `" + line + "` exited with "
                            + rc + " (see above); fix the cause and rerun the same eval command to continue");
                }
                if (stopping.getAsBoolean()) {
                    o.println("stopped: rerun the same eval command to resume from " + step.id());
                    return false;
                }
                mark(step, c);
            }
            done += step.weight();
            ranWeight += step.weight();
        }
        o.printf("%s all %d steps done in %s%n", bar(1), steps.size(), clock((System.nanoTime() - started) / 1e9));
        return true;
    }

    private Path marker(SuiteStep step, int c) {
        return out.resolve(".done").resolve(step.id() + "." + c + ".json");
    }

    /** Whether command {@code c} of {@code step} finished before; a marker for other arguments is refused. */
    private boolean marked(SuiteStep step, int c) throws IOException {
        Path m = marker(step, c);
        if (!Files.isRegularFile(m)) {
            return false;
        }
        JsonNode saved = new ObjectMapper().readTree(Files.readString(m));
        JsonNode now = new ObjectMapper().valueToTree(step.commands().get(c));
        if (!saved.path("args").equals(now)) {
            throw new UserInputException(out + " holds a suite run with other settings: step " + step.id() + " ran `"
                    + saved.path("args") + "`, this plan runs `" + now + "`; pass another --out (or the settings"
                    + " it was made with)");
        }
        return true;
    }

    private void mark(SuiteStep step, int c) throws IOException {
        ObjectNode n = new ObjectMapper().createObjectNode();
        n.set("args", new ObjectMapper().valueToTree(step.commands().get(c)));
        Path m = marker(step, c);
        Files.createDirectories(m.getParent());
        CheckpointStore.writeAtomically(m, n.toString().getBytes(StandardCharsets.UTF_8));
    }

    static String bar(double share) {
        int w = 24;
        int full = (int) Math.round(Math.max(0, Math.min(1, share)) * w);
        return "[" + "#".repeat(full) + ".".repeat(w - full) + "]";
    }

    static String clock(double seconds) {
        long s = Math.round(seconds);
        return s >= 3600 ? String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
                : String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
    }
}
