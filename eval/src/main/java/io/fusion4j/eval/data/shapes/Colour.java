package io.fusion4j.eval.data.shapes;

/** The named colours of the world's objects, with their RGB values in [0, 1]. */
public enum Colour {
    RED(0.92f, 0.16f, 0.14f),
    GREEN(0.18f, 0.80f, 0.25f),
    BLUE(0.20f, 0.35f, 0.95f),
    YELLOW(0.96f, 0.88f, 0.15f),
    PURPLE(0.62f, 0.25f, 0.85f),
    ORANGE(0.98f, 0.55f, 0.10f),
    WHITE(0.95f, 0.95f, 0.95f);

    private final float r;
    private final float g;
    private final float b;

    Colour(float r, float g, float b) {
        this.r = r;
        this.g = g;
        this.b = b;
    }

    /** Channel {@code c} (0 red, 1 green, 2 blue). */
    public float channel(int c) {
        return c == 0 ? r : c == 1 ? g : b;
    }

    public String word() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    /** The named colour closest to an RGB value (how generated images are scored). */
    public static Colour nearest(float red, float green, float blue) {
        Colour best = RED;
        double bestD = Double.MAX_VALUE;
        for (Colour c : values()) {
            double d = sq(c.r - red) + sq(c.g - green) + sq(c.b - blue);
            if (d < bestD) {
                bestD = d;
                best = c;
            }
        }
        return best;
    }

    private static double sq(double x) {
        return x * x;
    }
}
