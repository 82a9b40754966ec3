package io.fusion4j.api.data;

/**
 * A fixed, untrained image tokenizer: the image is cut into {@code cell × cell} squares in raster order, and each
 * square becomes one position. Discrete: each channel's mean over the square quantised to {@code levels} steps,
 * combined into one code ({@code levels^channels} codes). Continuous: the square's pixels flattened (channel, row,
 * column) into a vector of {@code channels · cell²} floats. It is what the sequence builder is tested with, and a
 * baseline a learned tokenizer must beat.
 */
public final class GridImageTokenizer implements ImageTokenizer {
    private final int cell;
    private final int levels; // 0 for continuous

    private GridImageTokenizer(int cell, int levels) {
        if (cell < 1) {
            throw new IllegalArgumentException("the grid cell must be >= 1 pixel, found " + cell);
        }
        this.cell = cell;
        this.levels = levels;
    }

    /** Codes from the quantised mean colour of each cell; {@code levels} in [2, 256]. */
    public static GridImageTokenizer discrete(int cell, int levels) {
        if (levels < 2 || levels > 256) {
            throw new IllegalArgumentException("levels must be in [2, 256], found " + levels);
        }
        return new GridImageTokenizer(cell, levels);
    }

    /** Patch vectors: the flattened pixels of each cell. */
    public static GridImageTokenizer continuous(int cell) {
        return new GridImageTokenizer(cell, 0);
    }

    /** The number of distinct codes for images of {@code channels} channels (discrete only). */
    public int codebookSize(int channels) {
        if (levels == 0) {
            throw new IllegalStateException("a continuous tokenizer has no codebook");
        }
        long size = 1;
        for (int c = 0; c < channels; c++) {
            size *= levels;
            if (size > Integer.MAX_VALUE) {
                throw new IllegalArgumentException(levels + " levels over " + channels + " channels overflow an id");
            }
        }
        return (int) size;
    }

    @Override
    public ImageTokens encode(Image image) {
        if (image.height() % cell != 0 || image.width() % cell != 0) {
            throw new IllegalArgumentException("a " + image.height() + "x" + image.width() + " image does not divide "
                    + "into " + cell + "x" + cell + " cells");
        }
        int gh = image.height() / cell;
        int gw = image.width() / cell;
        int channels = image.channels();
        if (levels == 0) {
            int width = channels * cell * cell;
            float[] patches = new float[gh * gw * width];
            int o = 0;
            for (int gy = 0; gy < gh; gy++) {
                for (int gx = 0; gx < gw; gx++) {
                    for (int c = 0; c < channels; c++) {
                        for (int y = 0; y < cell; y++) {
                            for (int x = 0; x < cell; x++) {
                                patches[o++] = image.at(c, gy * cell + y, gx * cell + x);
                            }
                        }
                    }
                }
            }
            return new ImageTokens.Continuous(patches, gh * gw, width);
        }
        codebookSize(channels); // refuses a codebook that overflows
        int[] codes = new int[gh * gw];
        for (int gy = 0; gy < gh; gy++) {
            for (int gx = 0; gx < gw; gx++) {
                int code = 0;
                for (int c = channels - 1; c >= 0; c--) {
                    double sum = 0;
                    for (int y = 0; y < cell; y++) {
                        for (int x = 0; x < cell; x++) {
                            sum += image.at(c, gy * cell + y, gx * cell + x);
                        }
                    }
                    int q = (int) Math.min(levels - 1, Math.floor(sum / (cell * cell) * levels));
                    code = code * levels + q;
                }
                codes[gy * gw + gx] = code;
            }
        }
        return new ImageTokens.Discrete(codes);
    }

    /**
     * This tokenizer as a {@link DiscreteImageCodec} for {@code side × side} images of {@code channels} channels: it
     * encodes as {@link #encode} does and draws each cell in the centre of its code's colour bin, so encoding a drawn
     * image gives back the same codes.
     */
    public DiscreteImageCodec codec(int channels, int side) {
        if (levels == 0) {
            throw new IllegalStateException("a continuous grid tokenizer has no codes to draw");
        }
        if (channels < 1 || side < 1 || side % cell != 0) {
            throw new IllegalArgumentException("a grid codec needs channels >= 1 and a side divisible by the cell "
                    + cell + ", found channels=" + channels + " side=" + side);
        }
        int codes = codebookSize(channels);
        int grid = side / cell;
        return new DiscreteImageCodec() {
            @Override
            public int codebookSize() {
                return codes;
            }

            @Override
            public int tokensPerImage() {
                return grid * grid;
            }

            @Override
            public int channels() {
                return channels;
            }

            @Override
            public int side() {
                return side;
            }

            @Override
            public ImageTokens.Discrete encode(Image image) {
                image.requireGeometry(channels, side, "this grid codec");
                return (ImageTokens.Discrete) GridImageTokenizer.this.encode(image);
            }

            @Override
            public Image decode(int[] codes) {
                if (codes.length != grid * grid) {
                    throw new IllegalArgumentException("a " + side + "x" + side + " image takes " + grid * grid
                            + " codes, found " + codes.length);
                }
                int width = channels * cell * cell;
                float[] patches = new float[codes.length * width];
                for (int g = 0; g < codes.length; g++) {
                    int code = codes[g];
                    if (code < 0 || code >= codebookSize()) {
                        throw new IllegalArgumentException("code " + g + " is " + code + ", outside the codebook [0, "
                                + codebookSize() + ")");
                    }
                    for (int c = 0; c < channels; c++) {
                        float v = (code % levels + 0.5f) / levels; // channel 0 is the lowest digit, as encode packs it
                        code /= levels;
                        java.util.Arrays.fill(patches, g * width + c * cell * cell, g * width + (c + 1) * cell * cell,
                                v);
                    }
                }
                return unpatch(patches, channels, side, cell);
            }
        };
    }

    /**
     * The image whose {@code cell × cell} squares are {@code patches}, in the layout {@link #continuous} encodes
     * (raster order of the squares, each flattened channel, row, column): its inverse. Values are taken as they are
     * and must lie in {@code [0, 1]}.
     */
    public static Image unpatch(float[] patches, int channels, int side, int cell) {
        if (side % cell != 0 || patches.length != channels * side * side) {
            throw new IllegalArgumentException(patches.length + " floats are not the " + cell + "-pixel patches of a "
                    + channels + "x" + side + "x" + side + " image");
        }
        int g = side / cell;
        float[] px = new float[channels * side * side];
        int o = 0;
        for (int gy = 0; gy < g; gy++) {
            for (int gx = 0; gx < g; gx++) {
                for (int c = 0; c < channels; c++) {
                    for (int y = 0; y < cell; y++) {
                        for (int x = 0; x < cell; x++) {
                            px[(c * side + gy * cell + y) * side + gx * cell + x] = patches[o++];
                        }
                    }
                }
            }
        }
        return new Image(channels, side, side, px);
    }

    /** Pixels per cell side. */
    public int cell() {
        return cell;
    }

    /** Steps per channel (0 for a continuous tokenizer). */
    public int levels() {
        return levels;
    }
}
