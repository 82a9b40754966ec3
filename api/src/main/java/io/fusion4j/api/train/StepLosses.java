package io.fusion4j.api.train;

import java.util.List;
import java.util.Map;

/** What one step (or one validation pass) measured: every loss term, and metrics by name. */
public record StepLosses(List<LossTerm> terms, Map<String, Double> metrics) {
    public StepLosses {
        terms = List.copyOf(terms);
        // Insertion order is the order of metrics.jsonl, which must not change between JVMs (Map.copyOf's would).
        metrics = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(metrics));
    }

    /** The total loss, {@code Σ weight · value}. */
    public double total() {
        double t = 0;
        for (LossTerm l : terms) {
            t += l.weighted();
        }
        return t;
    }

    /** The term named {@code name}, or null. */
    public LossTerm term(String name) {
        for (LossTerm l : terms) {
            if (l.name().equals(name)) {
                return l;
            }
        }
        return null;
    }
}
