package io.fusion4j.eval.cli;

import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import com.google.inject.Singleton;
import io.fusion4j.api.backend.Backend;
import io.fusion4j.api.backend.BackendOptions;
import io.fusion4j.api.backend.Backends;
import io.fusion4j.api.backend.Precision;

/**
 * Binds the {@link Backend} chosen through {@link java.util.ServiceLoader}: the name given on the
 * command line, else {@code fusion4j.backend} / {@code FUSION4J_BACKEND}, else the highest-priority
 * available one.
 */
public final class BackendModule extends AbstractModule {
    private final String name;
    private final int threads;
    private final Precision precision;

    /** @param name explicit backend name or null; @param threads worker threads, 0 for the default */
    public BackendModule(String name, int threads) {
        this(name, threads, Precision.FP32);
    }

    /** As above, for matrix products in {@code precision} (a bf16 run without a name gets the backend that offers it). */
    public BackendModule(String name, int threads, Precision precision) {
        this.name = name;
        this.threads = threads;
        this.precision = precision;
    }

    @Provides
    @Singleton
    Backends backends() {
        return Backends.discover();
    }

    @Provides
    @Singleton
    Backend backend(Backends backends) {
        return backends.create(name, BackendOptions.withThreads(threads).withPrecision(precision));
    }
}
