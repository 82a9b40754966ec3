package io.fusion4j.transfusion;

import io.fusion4j.api.data.ContinuousImageCodec;
import io.fusion4j.api.data.GridImageTokenizer;
import io.fusion4j.api.data.Image;
import io.fusion4j.api.data.ImageTokens;

/**
 * Images as patches of raw pixels, mapped from {@code [0, 1]} to {@code [−1, 1]} (zero mean, unit range, as diffusion
 * expects of its data): {@code cell × cell} squares in raster order, each flattened (channel, row, column). The
 * pixel-space option of transfusion.md §8.13 (what the paper's VAE latents stand in for at small scale); a trained VAE
 * replaces it with latent patches through the same {@link ContinuousImageCodec} seam.
 */
public final class PixelPatches implements ContinuousImageCodec {
    private final GridImageTokenizer grid;
    private final int cell;
    private final int channels;
    private final int side;

    public PixelPatches(int cell, int channels, int side) {
        if (cell < 1 || channels < 1 || side < 1 || side % cell != 0) {
            throw new IllegalArgumentException("pixel patches need a cell that divides the side, found cell=" + cell
                    + " side=" + side + " channels=" + channels);
        }
        this.grid = GridImageTokenizer.continuous(cell);
        this.cell = cell;
        this.channels = channels;
        this.side = side;
    }

    public int cell() {
        return cell;
    }

    @Override
    public int patchSize() {
        return cell;
    }

    @Override
    public int patchesPerImage() {
        return (side / cell) * (side / cell);
    }

    @Override
    public int patchWidth() {
        return channels * cell * cell;
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
    public ImageTokens.Continuous encode(Image image) {
        image.requireGeometry(channels, side, "these pixel patches");
        ImageTokens.Continuous c = (ImageTokens.Continuous) grid.encode(image);
        float[] v = c.patches().clone();
        for (int i = 0; i < v.length; i++) {
            v[i] = 2 * v[i] - 1;
        }
        return new ImageTokens.Continuous(v, c.count(), c.width());
    }

    @Override
    public Image decode(float[] patches) {
        int n = patchesPerImage();
        int w = patchWidth();
        if (patches.length != n * w) {
            throw new IllegalArgumentException("an image takes " + n + " patches of " + w + " floats, found "
                    + patches.length + " floats");
        }
        float[] v = new float[patches.length];
        for (int i = 0; i < v.length; i++) {
            v[i] = Math.clamp((patches[i] + 1) / 2, 0f, 1f);
        }
        return GridImageTokenizer.unpatch(v, channels, side, cell);
    }
}
