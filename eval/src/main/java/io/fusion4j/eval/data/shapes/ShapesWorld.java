package io.fusion4j.eval.data.shapes;

import io.fusion4j.api.UserInputException;
import io.fusion4j.api.data.Image;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * The built-in image–text world: scene {@code i} of a split is a pure function of (seed, split, i), drawn and
 * rendered with anti-aliasing (4×4 samples a pixel) at {@code size}×{@code size} RGB. Held-out (colour, shape)
 * combinations never appear in the train, validation or test splits and appear in every scene of the
 * {@link Split#COMPOSITIONAL} split, for tests of composition.
 */
public final class ShapesWorld {
    /** Index ranges: the splits never share a scene. */
    public enum Split {
        TRAIN(0, 1_000_000), VALIDATION(1_000_000, 10_000), TEST(1_010_000, 10_000), COMPOSITIONAL(2_000_000, 10_000);

        private final long first;
        private final long count;

        Split(long first, long count) {
            this.first = first;
            this.count = count;
        }

        public long size() {
            return count;
        }
    }

    /** A (colour, shape) pair, the unit of holding out. */
    public record Combo(Colour colour, ShapeKind shape) {
    }

    /** One sample: the scene (ground truth), its image and its captions. */
    public record Sample(Scene scene, Image image, List<String> captions) {
    }

    private static final int SUPERSAMPLE = 4;
    private final int size;
    private final long seed;
    /** The most objects a scene holds. */
    public static final int MAX_OBJECTS = 3;
    private final Set<Combo> heldOut;
    private final int maxObjects;

    public ShapesWorld(int size, long seed, Set<Combo> heldOut) {
        this(size, seed, heldOut, MAX_OBJECTS);
    }

    /**
     * @param maxObjects scenes hold 1 to this many objects (1 to {@value #MAX_OBJECTS}); fewer objects make a world
     *                   where each caption's words cover more of the image, which a small model learns sooner
     */
    public ShapesWorld(int size, long seed, Set<Combo> heldOut, int maxObjects) {
        if (size < 16 || size > 64) {
            throw new UserInputException("shapes: image size must be 16 to 64 pixels, found " + size);
        }
        if (maxObjects < 1 || maxObjects > MAX_OBJECTS) {
            throw new UserInputException("shapes: objects per scene must be 1 to " + MAX_OBJECTS + ", found "
                    + maxObjects);
        }
        this.size = size;
        this.seed = seed;
        this.heldOut = Set.copyOf(heldOut);
        this.maxObjects = maxObjects;
    }

    /** The default world: 32×32, seed 0, nothing held out. */
    public static ShapesWorld standard() {
        return new ShapesWorld(32, 0, Set.of());
    }

    public int size() {
        return size;
    }

    public Sample sample(Split split, long index) {
        Scene s = scene(split, index);
        return new Sample(s, render(s), s.captions());
    }

    /** Scene {@code index} of {@code split}: redrawn (deterministically) until it obeys the split's hold-out rule. */
    public Scene scene(Split split, long index) {
        if (index < 0 || index >= split.size()) {
            throw new UserInputException("shapes: index " + index + " is outside the " + split + " split's "
                    + split.size() + " scenes");
        }
        for (int attempt = 0; ; attempt++) {
            SplittableRandom r = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + (split.first + index) * 1_000_003L
                    + attempt);
            Scene s = draw(r);
            boolean held = s.objects().stream().anyMatch(o -> heldOut.contains(new Combo(o.colour(), o.shape())));
            if (split == Split.COMPOSITIONAL ? held || heldOut.isEmpty() : !held) {
                return s;
            }
        }
    }

    private Scene draw(SplittableRandom r) {
        int n = 1 + r.nextInt(maxObjects);
        List<GridCell> cells = new ArrayList<>(List.of(GridCell.values()));
        List<ShapeObject> objects = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            GridCell cell = cells.remove(r.nextInt(cells.size()));
            ShapeKind[] shapes = ShapeKind.values();
            Colour[] colours = Colour.values();
            objects.add(new ShapeObject(shapes[r.nextInt(shapes.length)], colours[r.nextInt(colours.length)],
                    r.nextBoolean(), cell));
        }
        Background.Texture[] textures = Background.Texture.values();
        float[] a = muted(r);
        float[] b = muted(r);
        return new Scene(objects, new Background(a, b, r.nextDouble(0, 2 * Math.PI),
                textures[r.nextInt(textures.length)], r.nextDouble(0.04, 0.12), r.nextDouble(3, 8), r.nextLong()));
    }

    /** A dark, desaturated colour, so the objects' named colours stand out from every background. */
    private static float[] muted(SplittableRandom r) {
        float base = (float) r.nextDouble(0.08, 0.32);
        return new float[]{base + (float) r.nextDouble(0, 0.12), base + (float) r.nextDouble(0, 0.12),
                base + (float) r.nextDouble(0, 0.12)};
    }

    /** Draws {@code s}: the textured gradient, then each object blended by its anti-aliased coverage. */
    public Image render(Scene s) {
        float[] px = new float[3 * size * size];
        Background bg = s.background();
        double cos = Math.cos(bg.angle());
        double sin = Math.sin(bg.angle());
        for (int y = 0; y < size; y++) {
            for (int x = 0; x < size; x++) {
                double u = ((x - size / 2.0) * cos + (y - size / 2.0) * sin) / size + 0.5;
                double t = Math.max(0, Math.min(1, u));
                double tex = texture(bg, x, y);
                for (int c = 0; c < 3; c++) {
                    double v = bg.from()[c] * (1 - t) + bg.to()[c] * t + tex;
                    px[(c * size + y) * size + x] = (float) Math.max(0, Math.min(1, v));
                }
            }
        }
        double cellSize = size / 3.0;
        for (ShapeObject o : s.objects()) {
            double cx = (o.cell().column() + 0.5) * cellSize;
            double cy = (o.cell().row() + 0.5) * cellSize;
            double radius = cellSize * (o.large() ? 0.44 : 0.30);
            for (int y = 0; y < size; y++) {
                for (int x = 0; x < size; x++) {
                    int inside = 0;
                    for (int sy = 0; sy < SUPERSAMPLE; sy++) {
                        for (int sx = 0; sx < SUPERSAMPLE; sx++) {
                            double dx = (x + (sx + 0.5) / SUPERSAMPLE - cx) / radius;
                            double dy = (y + (sy + 0.5) / SUPERSAMPLE - cy) / radius;
                            inside += inside(o.shape(), dx, dy) ? 1 : 0;
                        }
                    }
                    if (inside > 0) {
                        float cover = inside / (float) (SUPERSAMPLE * SUPERSAMPLE);
                        for (int c = 0; c < 3; c++) {
                            int i = (c * size + y) * size + x;
                            px[i] = px[i] * (1 - cover) + o.colour().channel(c) * cover;
                        }
                    }
                }
            }
        }
        return new Image(3, size, size, px);
    }

    private static double texture(Background bg, int x, int y) {
        return switch (bg.texture()) {
            case PLAIN -> 0;
            case STRIPES -> bg.amount() * Math.sin(2 * Math.PI * (x + 0.7 * y) / bg.period());
            case CHECKS -> bg.amount() * ((((int) (x / bg.period()) + (int) (y / bg.period())) & 1) == 0 ? 1 : -1);
            case NOISE -> bg.amount() * (2 * hash(bg.noiseSeed(), x / 2, y / 2) - 1);
        };
    }

    /** A deterministic value in [0, 1) for a lattice point. */
    private static double hash(long seed, int x, int y) {
        long h = seed ^ (x * 0x9E3779B97F4A7C15L) ^ (y * 0xC2B2AE3D27D4EB4FL);
        h ^= h >>> 33;
        h *= 0xFF51AFD7ED558CCDL;
        h ^= h >>> 33;
        return (h >>> 11) * 0x1.0p-53;
    }

    /** Whether (dx, dy), in units of the object's radius from its centre, is inside the shape. */
    static boolean inside(ShapeKind shape, double dx, double dy) {
        return switch (shape) {
            case CIRCLE -> dx * dx + dy * dy <= 1;
            case SQUARE -> Math.abs(dx) <= 0.82 && Math.abs(dy) <= 0.82;
            case RING -> {
                double d = dx * dx + dy * dy;
                yield d <= 1 && d >= 0.25;
            }
            case CROSS -> (Math.abs(dx) <= 0.3 && Math.abs(dy) <= 1) || (Math.abs(dy) <= 0.3 && Math.abs(dx) <= 1);
            case TRIANGLE -> {
                // Apex up at (0, -1), base from (-0.95, 0.8) to (0.95, 0.8).
                if (dy > 0.8 || dy < -1) {
                    yield false;
                }
                double half = 0.95 * (dy + 1) / 1.8;
                yield Math.abs(dx) <= half;
            }
        };
    }

    /** Every (colour, shape) pair, for listing or choosing held-out combinations. */
    public static Set<Combo> allCombos() {
        Set<Combo> all = new java.util.LinkedHashSet<>();
        for (Colour c : EnumSet.allOf(Colour.class)) {
            for (ShapeKind k : EnumSet.allOf(ShapeKind.class)) {
                all.add(new Combo(c, k));
            }
        }
        return all;
    }
}
