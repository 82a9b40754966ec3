package io.fusion4j.eval.train;

import io.fusion4j.eval.cli.Main;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Arrays;

/** Runs the CLI in this JVM and keeps what it printed, for tests that look at exit codes and messages. */
public final class CliRun {
    /** What one run returned and printed. */
    public record Result(int rc, String out, String err) {
    }

    private CliRun() {
    }

    /** Runs {@code fusion4j ARGS} in this JVM. */
    public static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int rc = Main.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new Result(rc, out.toString(), err.toString());
    }

    static String[] concat(String[] a, String... b) {
        String[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
