package io.fusion4j.eval.cli;

import com.google.inject.Guice;
import io.fusion4j.api.backend.Backend;
import picocli.CommandLine.Option;

/**
 * picocli mixin for {@code --backend NAME}, for a command that picks its own thread counts ({@code bench} runs
 * several). Commands that take one thread count use {@link BackendChoice}, which holds this.
 */
final class BackendName {
    @Option(names = "--backend",
            description = "Backend name (default: fusion4j.backend, FUSION4J_BACKEND, or the best available).")
    String name;

    /** The chosen backend, created through {@link BackendModule} with {@code threads} workers (0 for all). */
    Backend create(int threads) {
        return create(threads, io.fusion4j.api.backend.Precision.FP32);
    }

    /** The chosen backend for matrix products in {@code precision}. */
    Backend create(int threads, io.fusion4j.api.backend.Precision precision) {
        return Guice.createInjector(new BackendModule(name, threads, precision)).getInstance(Backend.class);
    }
}
