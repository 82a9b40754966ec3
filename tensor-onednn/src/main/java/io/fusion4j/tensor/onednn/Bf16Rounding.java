package io.fusion4j.tensor.onednn;

import io.fusion4j.api.tensor.DType;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * fp32 → bf16 for the operands of a product: round to nearest, ties to even, NaN kept quiet with its sign, exactly
 * {@link DType#toBf16} lane by lane, written into native memory as oneDNN reads it. Also the copy of fp32 results
 * back into the heap with {@code alpha} and {@code beta}.
 */
final class Bf16Rounding {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Short> S =
            VectorSpecies.of(short.class, VectorShape.forBitSize(F.vectorBitSize() / 2));
    private static final int L = F.length();
    private static final ByteOrder NATIVE = ByteOrder.nativeOrder();
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED;
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED;

    private Bf16Rounding() {
    }

    /** Rounds {@code src[off + i*stride]} for {@code i < n} into the bf16 at {@code dst[dstIndex + i]}. */
    static void round(float[] src, int off, int stride, int n, MemorySegment dst, long dstIndex) {
        int i = 0;
        if (stride == 1) {
            for (; i <= n - L; i += L) {
                IntVector bits = FloatVector.fromArray(F, src, off + i).reinterpretAsInts();
                IntVector upper = bits.lanewise(VectorOperators.LSHR, 16);
                IntVector rounded = bits.add(upper.and(1)).add(0x7fff).lanewise(VectorOperators.LSHR, 16);
                VectorMask<Integer> nan = bits.and(0x7fffffff).compare(VectorOperators.GT, 0x7f800000);
                IntVector h = rounded.blend(upper.or(0x40), nan);
                ShortVector s = (ShortVector) h.convertShape(VectorOperators.I2S, S, 0);
                s.intoMemorySegment(dst, (dstIndex + i) * Short.BYTES, NATIVE);
            }
        }
        for (; i < n; i++) {
            dst.setAtIndex(SHORT, dstIndex + i, DType.toBf16(src[off + i * stride]));
        }
    }

    /**
     * {@code c[cOff + j] = alpha * r[rIndex + j] + beta * c[cOff + j]} for {@code j < n}, where {@code beta == 0}
     * does not read C (it may hold NaN): the backend's {@code C = alpha·A·B + beta·C}.
     */
    static void store(MemorySegment r, long rIndex, float[] c, int cOff, int n, float alpha, float beta) {
        int j = 0;
        if (beta == 0f) {
            for (; j <= n - L; j += L) {
                FloatVector.fromMemorySegment(F, r, (rIndex + j) * Float.BYTES, NATIVE).mul(alpha).intoArray(c, cOff + j);
            }
            for (; j < n; j++) {
                c[cOff + j] = alpha * r.getAtIndex(FLOAT, rIndex + j);
            }
        } else {
            for (; j <= n - L; j += L) {
                FloatVector old = FloatVector.fromArray(F, c, cOff + j).mul(beta);
                FloatVector.fromMemorySegment(F, r, (rIndex + j) * Float.BYTES, NATIVE).fma(FloatVector.broadcast(F, alpha), old).intoArray(c, cOff + j);
            }
            for (; j < n; j++) {
                c[cOff + j] = Math.fma(alpha, r.getAtIndex(FLOAT, rIndex + j), beta * c[cOff + j]);
            }
        }
    }

    static {
        if (I.length() != L) {
            throw new AssertionError("int and float species differ in length");
        }
    }
}
