package io.fusion4j.eval.report;

import java.util.List;
import java.util.Objects;

/** One line of a {@link LineChart}. */
public record Series(String name, List<Point> points) {
    public Series {
        Objects.requireNonNull(name, "Series name");
        points = Checks.copy(points, "Series '" + name + "' points");
    }
}
