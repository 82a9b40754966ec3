package io.fusion4j.transfusion;

import io.fusion4j.api.autograd.Graph;
import io.fusion4j.api.autograd.Parameters;
import io.fusion4j.api.autograd.Var;
import io.fusion4j.api.backend.Backend;
import io.fusion4j.api.nn.ChannelNorm;
import io.fusion4j.api.nn.Conv2d;
import io.fusion4j.api.nn.Linear;
import io.fusion4j.api.nn.NamedComponent;
import io.fusion4j.api.nn.Upsample;
import io.fusion4j.api.tensor.DType;
import io.fusion4j.api.tensor.Shape;
import io.fusion4j.api.tensor.Tensor;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Transfusion's U-Net patch encoder and decoder (transfusion.md §1.2, the small stand-in of §8.12), over NHWC maps of
 * {@code c} channels. The patches of each image {@code [P, k·k·C]} are put back into its latent grid
 * {@code [s, s, C]} ({@code s = k·√P}), then down: {@code unet.conv_in} (3×3, C → c), per 2× reduction a ResBlock
 * {@code unet.down.{l}.res} and a stride-2 3×3 {@code unet.down.{l}.conv}, a last ResBlock {@code unet.down.{L}.res}
 * at {@code s/k}, and {@code unet.proj_in} (1×1, c → dim): one trunk row per patch, raster order. Up is the mirror:
 * {@code unet.proj_out.norm} and {@code unet.proj_out} (1×1, dim → c), then per level (coarsest first) the long skip
 * from the down path added, the ResBlock {@code unet.up.{l}.res}, and (below the full resolution) a 2× nearest
 * up-sample and 3×3 {@code unet.up.{l}.conv}; finally {@code unet.norm_out}, SiLU and {@code unet.conv_out}
 * (3×3, c → C), cut back into patches of the input's layout.
 *
 * <p>Norms are plain LayerNorm over each pixel's channels ({@link ChannelNorm}: the paper replaced AdaLayerNorm by
 * LayerNorm, fn 7). The timestep reaches the U-Net as in the DDPM U-Net (§8.6): each ResBlock adds
 * {@code Linear(SiLU(time))} as a per-channel bias after its first conv; the model still adds the time embedding to
 * the encoded rows before the trunk. Skips are added, not concatenated, so every level keeps c channels.
 */
public final class UnetPatches extends NamedComponent implements PatchCodec {
    private final int patch;
    private final int channels;
    private final int levels;
    private final Conv2d convIn;
    private final List<ResBlock> downRes = new ArrayList<>();
    private final List<Conv2d> downConv = new ArrayList<>();
    private final Conv2d projIn;
    private final ChannelNorm projOutNorm;
    private final Conv2d projOut;
    private final List<ResBlock> upRes = new ArrayList<>();
    private final List<Conv2d> upConv = new ArrayList<>();
    private final Upsample upsample = new Upsample("unet.upsample", 2);
    private final ChannelNorm normOut;
    private final Conv2d convOut;
    /** Index maps by (images, patches): patch rows to grid rows, grid rows to patch rows, pixels to their image. */
    private final Map<List<Long>, Tensor> maps = new HashMap<>();

    /**
     * @param patch  k, latent pixels per patch side: 1, 2 or 4 (0, 1 or 2 stride-2 levels)
     * @param width  floats per patch, k·k·C
     * @param hidden c, the U-Net's channels at every level
     */
    public UnetPatches(Parameters params, int patch, int width, int hidden, int dim, float eps) {
        super("unet");
        if (patch != 1 && patch != 2 && patch != 4) {
            throw new IllegalArgumentException("unet patches: patch size must be 1, 2 or 4, found " + patch);
        }
        if (width % (patch * patch) != 0) {
            throw new IllegalArgumentException("unet patches: a patch of " + width + " floats is not k·k·C for k="
                    + patch);
        }
        if (hidden < 1) {
            throw new IllegalArgumentException("unet patches: hidden channels must be >= 1, found " + hidden);
        }
        this.patch = patch;
        this.channels = width / (patch * patch);
        this.levels = Integer.numberOfTrailingZeros(patch);
        convIn = new Conv2d(params, "unet.conv_in", channels, hidden, 3, 1, 1);
        for (int l = 0; l <= levels; l++) {
            downRes.add(new ResBlock(params, "unet.down." + l + ".res", hidden, dim, eps));
            if (l < levels) {
                downConv.add(new Conv2d(params, "unet.down." + l + ".conv", hidden, hidden, 3, 2, 1));
            }
        }
        projIn = new Conv2d(params, "unet.proj_in", hidden, dim, 1, 1, 0);
        projOutNorm = new ChannelNorm(params, "unet.proj_out.norm", dim, eps);
        projOut = new Conv2d(params, "unet.proj_out", dim, hidden, 1, 1, 0);
        for (int l = 0; l <= levels; l++) {
            upRes.add(new ResBlock(params, "unet.up." + l + ".res", hidden, dim, eps));
            if (l < levels) {
                upConv.add(new Conv2d(params, "unet.up." + l + ".conv", hidden, hidden, 3, 1, 1));
            }
        }
        normOut = new ChannelNorm(params, "unet.norm_out", hidden, eps);
        convOut = new Conv2d(params, "unet.conv_out", hidden, channels, 3, 1, 1);
    }

    public int patchSize() {
        return patch;
    }

    @Override
    public Encoded encode(Graph g, Var patches, Var time) {
        int images = (int) time.value().shape().dim(0);
        long rows = patches.value().shape().dim(0);
        int perImage = perImage(rows, images);
        int grid = gridSide(perImage);
        int side = grid * patch;
        Var t = g.silu(time);
        // [N·P, C·k·k] (channel, row, column) → [N·P·k·k, C] rows (patch, row, column) → NHWC raster of each image.
        Var byPixel = g.reshape(g.transposeBatch(g.reshape(patches, Shape.of(rows, channels, (long) patch * patch))),
                Shape.of(rows * patch * patch, channels));
        Var x = g.reshape(g.gatherRows(byPixel, map(g.backend(), 0, images, perImage)),
                Shape.of(images, side, side, channels));
        List<Var> skips = new ArrayList<>();
        Var h = convIn.forward(g, x);
        for (int l = 0; l <= levels; l++) {
            h = downRes.get(l).forward(g, h, t, pixelOwners(g.backend(), images, side >> l));
            skips.add(h);
            if (l < levels) {
                h = downConv.get(l).forward(g, h);
            }
        }
        Var out = projIn.forward(g, h);
        return new Encoded(g.reshape(out, Shape.of(rows, out.value().shape().dim(3))), skips, time, images);
    }

    @Override
    public Var decode(Graph g, Var hidden, Encoded encoded) {
        int images = encoded.images();
        long rows = hidden.value().shape().dim(0);
        int perImage = perImage(rows, images);
        int grid = gridSide(perImage);
        if (encoded.skips().size() != levels + 1) {
            throw new IllegalArgumentException("unet patches: decode needs the " + (levels + 1)
                    + " skips of this codec's encode, found " + encoded.skips().size());
        }
        Var t = g.silu(encoded.time());
        Var h = g.reshape(hidden, Shape.of(images, grid, grid, hidden.value().shape().dim(1)));
        h = projOut.forward(g, projOutNorm.forward(g, h));
        for (int l = levels; l >= 0; l--) {
            Var skip = encoded.skips().get(l);
            if (!skip.value().shape().equals(h.value().shape())) {
                throw new IllegalArgumentException("unet patches: the level-" + l + " skip is " + skip.value().shape()
                        + " but the up path there is " + h.value().shape());
            }
            h = upRes.get(l).forward(g, g.add(h, skip), t, pixelOwners(g.backend(), images, (grid * patch) >> l));
            if (l > 0) {
                h = upConv.get(l - 1).forward(g, upsample.forward(g, h));
            }
        }
        Var x = convOut.forward(g, g.silu(normOut.forward(g, h)));
        int side = grid * patch;
        Var byPixel = g.gatherRows(g.reshape(x, Shape.of((long) images * side * side, channels)),
                map(g.backend(), 1, images, perImage));
        return g.reshape(g.transposeBatch(g.reshape(byPixel, Shape.of(rows, (long) patch * patch, channels))),
                Shape.of(rows, (long) channels * patch * patch));
    }

    private static int perImage(long rows, int images) {
        if (images < 1 || rows % images != 0) {
            throw new IllegalArgumentException("unet patches: " + rows + " patch rows do not split evenly over "
                    + images + " images");
        }
        return (int) (rows / images);
    }

    private static int gridSide(int perImage) {
        int grid = (int) Math.round(Math.sqrt(perImage));
        if (grid * grid != perImage) {
            throw new IllegalArgumentException("unet patches: an image's patches must form a square grid, found "
                    + perImage + " patches per image");
        }
        return grid;
    }

    /** Pixel {@code i} of an {@code [N, side, side]} map to its image: the row map that broadcasts a bias per image. */
    private Tensor pixelOwners(Backend backend, int images, int side) {
        return maps.computeIfAbsent(List.of(2L, (long) images, (long) side), k -> {
            int per = side * side;
            int[] m = new int[images * per];
            for (int i = 0; i < m.length; i++) {
                m[i] = i / per;
            }
            return upload(backend, m);
        });
    }

    /**
     * {@code kind} 0: for each grid pixel (image, y, x) the row (patch, row in patch, column in patch) it is read
     * from; {@code kind} 1: the inverse, for each patch pixel the grid row.
     */
    private Tensor map(Backend backend, int kind, int images, int perImage) {
        return maps.computeIfAbsent(List.of((long) kind, (long) images, (long) perImage), key -> {
            int grid = gridSide(perImage);
            int side = grid * patch;
            int[] toGrid = new int[images * side * side];
            int[] toPatch = new int[toGrid.length];
            for (int n = 0; n < images; n++) {
                for (int y = 0; y < side; y++) {
                    for (int x = 0; x < side; x++) {
                        int gridRow = (n * side + y) * side + x;
                        int p = n * perImage + (y / patch) * grid + x / patch;
                        int patchRow = (p * patch + y % patch) * patch + x % patch;
                        toGrid[gridRow] = patchRow;
                        toPatch[patchRow] = gridRow;
                    }
                }
            }
            return upload(backend, kind == 0 ? toGrid : toPatch);
        });
    }

    private static Tensor upload(Backend backend, int[] m) {
        Tensor t = backend.allocate(DType.I32, Shape.of(m.length));
        backend.copyFromHost(m, t);
        return t;
    }

    /**
     * {@code h + conv2(SiLU(norm2(conv1(SiLU(norm1(h))) + Linear(SiLU(t)))))}: the DDPM ResBlock with plain LayerNorm,
     * t entering as a per-channel bias of each image.
     */
    static final class ResBlock {
        private final ChannelNorm norm1;
        private final Conv2d conv1;
        private final Linear time;
        private final ChannelNorm norm2;
        private final Conv2d conv2;
        private final int channels;

        ResBlock(Parameters params, String name, int channels, int dim, float eps) {
            this.channels = channels;
            norm1 = new ChannelNorm(params, name + ".norm1", channels, eps);
            conv1 = new Conv2d(params, name + ".conv1", channels, channels, 3, 1, 1);
            time = new Linear(params, name + ".time", dim, channels, (float) (1 / Math.sqrt(dim)));
            norm2 = new ChannelNorm(params, name + ".norm2", channels, eps);
            conv2 = new Conv2d(params, name + ".conv2", channels, channels, 3, 1, 1);
        }

        /** {@code h [N, H, W, c]}, {@code t [N, dim]} (already through SiLU), {@code owners} each pixel's image. */
        Var forward(Graph g, Var h, Var t, Tensor owners) {
            Shape s = h.value().shape();
            Var a = conv1.forward(g, g.silu(norm1.forward(g, h)));
            Var bias = g.gatherRows(time.forward(g, t), owners);
            a = g.reshape(g.add(g.reshape(a, Shape.of(s.numel() / channels, channels)), bias), s);
            Var b = conv2.forward(g, g.silu(norm2.forward(g, a)));
            return g.add(h, b);
        }
    }
}
