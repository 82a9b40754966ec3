package io.fusion4j.eval.classify;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.StringJoiner;

/**
 * How well a classifier does on held-out real images, per attribute, each in [0, 1]: for shapes {@link #COLOUR_SET},
 * {@link #SHAPE_SET}, {@link #CELL_SET} (the predicted set is exactly the true one), {@link #COUNT}, {@link #ALL}
 * (every attribute right at once) and the micro-averaged F1 of each multi-label head ({@link #COLOUR_F1},
 * {@link #SHAPE_F1}, {@link #CELL_F1}); for digits {@link #DIGIT}; for emoji {@link #CATEGORY}. The report prints these beside the metrics the
 * classifier scores, since a metric is only as good as its judge.
 */
public record HeldOutAccuracy(int images, Map<String, Double> scores) {
    public static final String COLOUR_SET = "colour_set";
    public static final String SHAPE_SET = "shape_set";
    public static final String CELL_SET = "cell_set";
    public static final String COUNT = "count";
    public static final String ALL = "all";
    public static final String COLOUR_F1 = "colour_f1";
    public static final String SHAPE_F1 = "shape_f1";
    public static final String CELL_F1 = "cell_f1";
    public static final String DIGIT = "digit";
    public static final String CATEGORY = "category";

    public HeldOutAccuracy {
        // Insertion order is the report's column order.
        scores = Collections.unmodifiableMap(new LinkedHashMap<>(scores));
        for (Map.Entry<String, Double> e : scores.entrySet()) {
            if (!(e.getValue() >= 0 && e.getValue() <= 1)) {
                throw new IllegalArgumentException("accuracy '" + e.getKey() + "' must be in [0, 1], found "
                        + e.getValue());
            }
        }
    }

    /**
     * The score named {@code name}.
     *
     * @throws IllegalArgumentException naming the scores there are when this classifier has no such score
     */
    public double get(String name) {
        Double v = scores.get(name);
        if (v == null) {
            throw new IllegalArgumentException("no held-out accuracy '" + name + "'; this classifier has "
                    + scores.keySet());
        }
        return v;
    }

    /** "colour_set 0.981, shape_set 0.954, … (1000 images)". */
    @Override
    public String toString() {
        StringJoiner j = new StringJoiner(", ", "", " (" + images + " held-out images)");
        scores.forEach((k, v) -> j.add(String.format(java.util.Locale.ROOT, "%s %.3f", k, v)));
        return j.toString();
    }
}
