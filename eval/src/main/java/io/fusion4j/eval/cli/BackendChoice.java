package io.fusion4j.eval.cli;

import io.fusion4j.api.backend.Backend;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * picocli mixin for {@code --backend NAME} and {@code --threads N}: add {@code @Mixin BackendChoice backend;} to a
 * command and call {@link #create()} (in a try-with-resources) where it needs the backend. A negative thread count
 * is rejected while the command line is parsed, before the command does any work.
 */
final class BackendChoice {
    /** More worker threads than this is a typo, not a machine. */
    static final int MAX_THREADS = 1024;

    @Spec(Spec.Target.MIXEE)
    CommandSpec command;

    @Mixin
    BackendName backend;

    private int threads;

    @Option(names = "--threads", defaultValue = "0", description = "CPU threads, 0 for all processors (default: ${DEFAULT-VALUE}).")
    void threads(int threads) {
        if (threads < 0 || threads > MAX_THREADS) {
            throw new ParameterException(command.commandLine(),
                    "--threads must be in [0, " + MAX_THREADS + "] (0 for all processors), found " + threads);
        }
        this.threads = threads;
    }

    /** The chosen backend, created through {@link BackendModule}. */
    Backend create() {
        return backend.create(threads);
    }

    /** Fails now, as creating it would, when no backend (or not the named one) computes {@code precision} here. */
    void check(io.fusion4j.api.backend.Precision precision) {
        io.fusion4j.api.backend.Backends.discover().select(backend.name, precision);
    }

    /** The chosen backend for matrix products in {@code precision} (a training run's). */
    Backend create(io.fusion4j.api.backend.Precision precision) {
        return backend.create(threads, precision);
    }
}
