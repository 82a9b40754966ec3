package io.fusion4j.eval.cli;

import io.fusion4j.api.data.Image;
import io.fusion4j.eval.data.shapes.Colour;

/**
 * The simple pixel-colour check of generated shapes images: the named colour most pixels lie close to (within 0.2 in
 * RGB distance, which the dark, muted backgrounds never are), or null when no pixel is close to any.
 */
final class PixelColours {
    private static final double NEAR = 0.2 * 0.2;

    private PixelColours() {
    }

    static Colour dominant(Image im) {
        if (im.channels() != 3) {
            throw new IllegalArgumentException("expected an RGB image, found " + im.channels() + " channels");
        }
        int hw = im.height() * im.width();
        float[] px = im.pixels();
        int[] count = new int[Colour.values().length];
        for (int i = 0; i < hw; i++) {
            float r = px[i];
            float g = px[hw + i];
            float b = px[2 * hw + i];
            Colour c = Colour.nearest(r, g, b);
            double d = sq(c.channel(0) - r) + sq(c.channel(1) - g) + sq(c.channel(2) - b);
            if (d < NEAR) {
                count[c.ordinal()]++;
            }
        }
        int best = -1;
        for (int k = 0; k < count.length; k++) {
            if (count[k] > 0 && (best < 0 || count[k] > count[best])) {
                best = k;
            }
        }
        return best < 0 ? null : Colour.values()[best];
    }

    private static double sq(double x) {
        return x * x;
    }
}
