package io.fusion4j.api.nn;

import io.fusion4j.api.backend.Backend;
import io.fusion4j.api.data.Image;
import io.fusion4j.api.tensor.DType;
import io.fusion4j.api.tensor.Shape;
import io.fusion4j.api.tensor.StepArena;
import io.fusion4j.api.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;

/**
 * CHW {@link Image}s to the NHWC maps the conv stacks read and back, for images of one geometry. Uploads go through a
 * host buffer kept between calls, so a training loop of equal batches allocates none after the first.
 */
public final class NhwcImages {
    private final int channels;
    private final int side;
    private float[] pixels = new float[0];

    public NhwcImages(int channels, int side) {
        this.channels = channels;
        this.side = side;
    }

    /**
     * {@code images} as one tensor {@code [B, side, side, channels]} in {@code arena}.
     *
     * @throws IllegalArgumentException naming the first image whose geometry is not this one
     */
    public Tensor upload(Backend backend, StepArena arena, List<Image> images) {
        int c = channels;
        int s = side;
        int per = c * s * s;
        if (pixels.length != images.size() * per) {
            pixels = new float[images.size() * per];
        }
        for (int i = 0; i < images.size(); i++) {
            Image im = images.get(i);
            if (im.channels() != c || im.height() != s || im.width() != s) {
                throw new IllegalArgumentException("image " + i + " is " + im.channels() + "x" + im.height() + "x"
                        + im.width() + ", but this tokenizer takes " + c + "x" + s + "x" + s + " (channels x side x side)");
            }
            float[] p = im.pixels();
            int base = i * per;
            for (int ch = 0; ch < c; ch++) {
                for (int y = 0; y < s; y++) {
                    for (int x = 0; x < s; x++) {
                        pixels[base + (y * s + x) * c + ch] = p[(ch * s + y) * s + x];
                    }
                }
            }
        }
        Tensor t = arena.allocate(DType.F32, Shape.of(images.size(), s, s, c));
        backend.copyFromHost(pixels, t);
        return t;
    }

    /** NHWC rows {@code [n·side², channels]} to {@code n} CHW images clamped to {@code [0, 1]}. */
    public List<Image> download(Backend backend, Tensor rows, int n) {
        int c = channels;
        int s = side;
        float[] host = new float[(int) rows.numel()];
        backend.copyToHost(rows, host);
        List<Image> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            float[] chw = new float[c * s * s];
            for (int y = 0; y < s; y++) {
                for (int x = 0; x < s; x++) {
                    for (int ch = 0; ch < c; ch++) {
                        float v = host[((i * s + y) * s + x) * c + ch];
                        // NaN would fail Image's check; a broken decoder should say so there, not be hidden as 0.
                        chw[(ch * s + y) * s + x] = v < 0f ? 0f : v > 1f ? 1f : v;
                    }
                }
            }
            out.add(new Image(c, s, s, chw));
        }
        return out;
    }
}
