package io.fusion4j.eval.data.shapes;

/**
 * A scene's background: a gradient between two muted colours along {@code angle} (radians), with a texture
 * (stripes, checks or smooth noise) of amplitude {@code amount} and period {@code period} pixels on top.
 */
public record Background(float[] from, float[] to, double angle, Texture texture, double amount, double period,
                         long noiseSeed) {
    /** The textures a background may have. */
    public enum Texture {
        PLAIN, STRIPES, CHECKS, NOISE
    }
}
