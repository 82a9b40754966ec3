package io.fusion4j.eval.report;

import java.util.Objects;
import java.util.regex.Pattern;

/** A chart drawn from {@code spec} into {@code plots/<file>}; {@code file} is a simple name such as {@code loss.png}. */
public record Chart(String file, String caption, ChartSpec spec) implements Block {
    private static final Pattern SIMPLE_PNG_NAME = Pattern.compile("[A-Za-z0-9_-][A-Za-z0-9._-]*\\.png");

    public Chart {
        Objects.requireNonNull(file, "Chart file");
        Objects.requireNonNull(caption, "Chart caption");
        Objects.requireNonNull(spec, "Chart spec");
        if (file.length() > 120 || !SIMPLE_PNG_NAME.matcher(file).matches()) {
            throw new IllegalArgumentException("Chart file '" + file + "' is not a simple PNG name (letters, digits, '.', '-', '_',"
                    + " not starting with '.', ending in .png, at most 120 characters)");
        }
    }
}
