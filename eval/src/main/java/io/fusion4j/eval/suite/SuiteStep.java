package io.fusion4j.eval.suite;

import java.nio.file.Path;
import java.util.List;

/**
 * One unit of a suite's work: the {@code fusion4j} commands that make it (a tokenizer, the rows, a training run and
 * what it needs), as a user could type them, and what it is for the report.
 *
 * @param id       unique within the suite, also the name of its done-marker
 * @param run      the run folder it trains (null for data and tokenizers)
 * @param role     what the report does with it
 * @param commands the CLI argument lists, run in order
 * @param weight   its share of the suite's time, in step-equivalents, for the suite's ETA
 */
public record SuiteStep(String id, Path run, Role role, List<List<String>> commands, double weight) {
    /** What a step is to the report. */
    public enum Role { DATA, TRAINING, AUXILIARY }

    public SuiteStep {
        commands = commands.stream().map(List::copyOf).toList();
    }

    /** The commands as one shell line each, for the report and the progress output. */
    public List<String> shellLines() {
        return commands.stream().map(c -> "fusion4j " + String.join(" ", c.stream().map(SuiteStep::quote).toList()))
                .toList();
    }

    private static String quote(String s) {
        return s.matches("[A-Za-z0-9_./=:,+-]+") ? s : "'" + s.replace("'", "'\\''") + "'";
    }
}
