package io.fusion4j.api.backend;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.ServiceLoader;
import java.util.stream.Collectors;

/**
 * Finds backends with {@link ServiceLoader} and selects one: by explicit name (a CLI flag, the
 * {@code fusion4j.backend} system property or the {@code FUSION4J_BACKEND} environment variable, in
 * that order), else the available backend with the highest priority. A named backend that is missing
 * or unavailable is an error naming it, the reason and the available ones; there is no silent fallback.
 */
public final class Backends {
    /** System property that names the backend. */
    public static final String PROPERTY = "fusion4j.backend";
    /** Environment variable that names the backend. */
    public static final String ENV = "FUSION4J_BACKEND";

    private final List<BackendProvider> providers;

    public Backends(List<BackendProvider> providers) {
        this.providers = List.copyOf(providers);
    }

    /** The providers visible to the api module's {@link ServiceLoader}. */
    public static Backends discover() {
        List<BackendProvider> found = new ArrayList<>();
        ServiceLoader.load(BackendProvider.class).forEach(found::add);
        found.sort(Comparator.comparingInt(BackendProvider::priority).reversed()
                .thenComparing(BackendProvider::name));
        return new Backends(found);
    }

    /** Every provider found, highest priority first. */
    public List<BackendProvider> providers() {
        return providers;
    }

    /** The explicit name from the property or environment, or null. */
    public static String configuredName() {
        String p = System.getProperty(PROPERTY);
        if (p != null && !p.isBlank()) {
            return p.trim();
        }
        String e = System.getenv(ENV);
        return e != null && !e.isBlank() ? e.trim() : null;
    }

    /**
     * The provider to use: {@code explicitName} if non-null, else {@link #configuredName()}, else the
     * highest-priority available one.
     *
     * @throws BackendUnavailableException if the named provider is missing or unavailable, or none is available
     */
    public BackendProvider select(String explicitName) {
        return select(explicitName, Precision.FP32);
    }

    /**
     * As {@link #select(String)}, for matrix products in {@code precision}: a named provider must offer it (else the
     * error says why not and which can), and without a name the highest-priority provider that offers it here wins.
     */
    public BackendProvider select(String explicitName, Precision precision) {
        String name = explicitName != null ? explicitName : configuredName();
        String in = precision == Precision.FP32 ? "" : " for " + precision + " matrix products";
        if (name != null) {
            for (BackendProvider p : providers) {
                if (p.name().equals(name)) {
                    Availability a = p.probe(precision);
                    if (!a.available()) {
                        throw new BackendUnavailableException("backend '" + name + "' is unavailable" + in + ": "
                                + a.reason() + "; available backends" + in + ": " + availableNames(precision));
                    }
                    return p;
                }
            }
            throw new BackendUnavailableException("backend '" + name + "' was not found on the module path; found: "
                    + describeAll(precision) + "; available backends" + in + ": " + availableNames(precision));
        }
        for (BackendProvider p : providers) {
            if (p.probe(precision).available()) {
                return p;
            }
        }
        throw new BackendUnavailableException("no backend is available" + in + "; found: " + describeAll(precision));
    }

    /** Selects and creates a backend, in the options' precision. */
    public Backend create(String explicitName, BackendOptions options) {
        return select(explicitName, options.precision()).create(options);
    }

    private String availableNames(Precision precision) {
        String s = providers.stream().filter(p -> p.probe(precision).available()).map(BackendProvider::name)
                .collect(Collectors.joining(", "));
        return s.isEmpty() ? "(none)" : s;
    }

    private String describeAll(Precision precision) {
        if (providers.isEmpty()) {
            return "(no providers)";
        }
        return providers.stream().map(p -> {
            Availability a = p.probe(precision);
            return p.name() + (a.available() ? "" : " (unavailable: " + a.reason() + ")");
        }).collect(Collectors.joining(", "));
    }
}
