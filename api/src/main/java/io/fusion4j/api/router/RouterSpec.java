package io.fusion4j.api.router;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * A router as a model config names it: the provider's {@link RouterProvider#name() name} and its options, as they
 * came from JSON (numbers, booleans, strings, and nested router specs as specs or as {@code {"name":…,"options":…}}
 * maps). {@link Routers#create} checks them against the provider's {@link RouterProvider#options()}.
 */
public record RouterSpec(String name, Map<String, Object> options) {
    public RouterSpec {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("a router spec needs a name");
        }
        options = options == null ? Map.of() : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(options));
    }

    public static RouterSpec of(String name) {
        return new RouterSpec(name, Map.of());
    }

    /** {@code of("expert-choice", "capacity", 1.0, "scores", "softmax")}. */
    public static RouterSpec of(String name, Object... keyValues) {
        if (keyValues.length % 2 != 0) {
            throw new IllegalArgumentException("router options come in name, value pairs");
        }
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            m.put((String) keyValues[i], keyValues[i + 1]);
        }
        return new RouterSpec(name, m);
    }

    /** A copy with one option set. */
    public RouterSpec with(String option, Object value) {
        Map<String, Object> m = new LinkedHashMap<>(options);
        m.put(option, value);
        return new RouterSpec(name, m);
    }

    /** {@code expert-choice{capacity=1.0}}: stable, for logs and errors. */
    @Override
    public String toString() {
        return options.isEmpty() ? name : name + new TreeMap<>(options);
    }
}
