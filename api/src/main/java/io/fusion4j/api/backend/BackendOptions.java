package io.fusion4j.api.backend;

import java.util.Map;

/**
 * Options passed to {@link BackendProvider#create}. {@code threads <= 0} means the backend's default
 * (all available processors for the CPU backend). {@code properties} carries backend-specific
 * settings (for example {@code cuda.device}); unknown keys are ignored. {@code precision} is the format of the matrix
 * products; a provider that cannot compute in it refuses to create the backend (never a silent fp32).
 */
public record BackendOptions(int threads, Map<String, String> properties, Precision precision) {
    public BackendOptions {
        properties = Map.copyOf(properties);
        java.util.Objects.requireNonNull(precision, "precision");
    }

    /** fp32 options. */
    public BackendOptions(int threads, Map<String, String> properties) {
        this(threads, properties, Precision.FP32);
    }

    /** A copy with another precision. */
    public BackendOptions withPrecision(Precision p) {
        return new BackendOptions(threads, properties, p);
    }

    /** Default options. */
    public static BackendOptions defaults() {
        return new BackendOptions(0, Map.of());
    }

    /** Default options with a thread count. */
    public static BackendOptions withThreads(int threads) {
        return new BackendOptions(threads, Map.of());
    }

    /** A property or a default. */
    public String property(String key, String fallback) {
        return properties.getOrDefault(key, fallback);
    }
}
