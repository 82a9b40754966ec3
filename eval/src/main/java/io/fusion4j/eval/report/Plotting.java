package io.fusion4j.eval.report;

/**
 * Whether this runtime can draw plots. JFreeChart needs {@code java.desktop}, which the {@code dist} bundle leaves out
 * to stay under its size budget (docs/decisions/0027); there a report is written with its tables and a note in place
 * of each plot, and {@code fusion4j report --out DIR} on a full build draws them from the same files. This class names
 * no JFreeChart or AWT type, so it loads where they are missing.
 */
public final class Plotting {
    /** What a report says where a plot would be. */
    static final String MISSING = "plot not drawn: this runtime has no JFreeChart and java.desktop (the dist bundle"
            + " leaves them out); `fusion4j report --out DIR` on a full build draws it";
    private static final boolean AVAILABLE = probe();

    private Plotting() {
    }

    public static boolean available() {
        return AVAILABLE;
    }

    private static boolean probe() {
        try {
            ClassLoader loader = Plotting.class.getClassLoader();
            Class.forName("java.awt.image.BufferedImage", false, loader);
            Class.forName("org.jfree.chart.JFreeChart", false, loader);
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }
}
