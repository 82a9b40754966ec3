package io.fusion4j.api.nn;

import io.fusion4j.api.autograd.Graph;
import io.fusion4j.api.autograd.Var;
import io.fusion4j.api.backend.Backend;
import io.fusion4j.api.tensor.DType;
import io.fusion4j.api.tensor.Shape;
import io.fusion4j.api.tensor.Tensor;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Nearest-neighbour up-sampling of an NHWC map by an integer factor s: {@code out[b, y, x] = in[b, y / s, x / s]}.
 * Each output pixel is one input pixel's row, so it is {@link Graph#gatherRows} with a fixed index map (backward:
 * the scatter-add of each output pixel's gradient onto its source). No parameters. The index map of each input
 * geometry is built once and kept on the backend, so steps after the first allocate none.
 */
public final class Upsample implements Component {
    private final String name;
    private final int factor;
    private final Map<List<Long>, Tensor> maps = new HashMap<>();

    public Upsample(String name, int factor) {
        if (factor < 1) {
            throw new IllegalArgumentException("Upsample '" + name + "': factor must be >= 1, found " + factor);
        }
        this.name = name;
        this.factor = factor;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public List<String> parameterNames() {
        return List.of();
    }

    /** {@code x [B, H, W, C]} to {@code [B, s·H, s·W, C]}. */
    public Var forward(Graph g, Var x) {
        Shape s = x.value().shape();
        if (s.rank() != 4) {
            throw new IllegalArgumentException("Upsample '" + name + "': expected an NHWC map [B, H, W, C], found " + s);
        }
        long b = s.dim(0);
        long h = s.dim(1);
        long w = s.dim(2);
        long c = s.dim(3);
        Tensor idx = maps.computeIfAbsent(List.of(b, h, w), k -> indexMap(g.backend(), b, h, w));
        Var rows = g.gatherRows(g.reshape(x, Shape.of(b * h * w, c)), idx);
        return g.reshape(rows, Shape.of(b, h * factor, w * factor, c));
    }

    private Tensor indexMap(Backend backend, long b, long h, long w) {
        long oh = h * factor;
        long ow = w * factor;
        if (b * oh * ow > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("Upsample '" + name + "': " + b + " maps of " + oh + "x" + ow
                    + " exceed the 2^31 rows an index can name");
        }
        int[] map = new int[(int) (b * oh * ow)];
        int i = 0;
        for (long n = 0; n < b; n++) {
            for (long y = 0; y < oh; y++) {
                for (long x = 0; x < ow; x++) {
                    map[i++] = (int) ((n * h + y / factor) * w + x / factor);
                }
            }
        }
        Tensor t = backend.allocate(DType.I32, Shape.of(map.length));
        backend.copyFromHost(map, t);
        return t;
    }
}
