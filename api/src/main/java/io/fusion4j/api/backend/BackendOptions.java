package io.fusion4j.api.backend;

import java.util.Map;

/**
 * Options passed to {@link BackendProvider#create}. {@code threads <= 0} means the backend's default
 * (all available processors for the CPU backend). {@code properties} carries backend-specific
 * settings (for example {@code cuda.device}); unknown keys are ignored.
 */
public record BackendOptions(int threads, Map<String, String> properties) {
    public BackendOptions {
        properties = Map.copyOf(properties);
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
