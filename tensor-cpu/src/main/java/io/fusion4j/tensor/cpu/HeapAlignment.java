package io.fusion4j.tensor.cpu;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * Where a {@code float[]}'s elements sit relative to a 64-byte (one 512-bit vector, one cache line) boundary.
 * A vector load that straddles two cache lines costs two; measured here, the micro-kernel ran at 188 GFLOP/s
 * with its B panel straddling and at 205 with it aligned. Java does not align array data to 64 bytes, so the
 * packing buffers find their aligned start with {@link #alignedStart} (decision 0011).
 *
 * <p>The address comes from a critical downcall of {@code memmove(a, a, 0)}, which returns its first argument:
 * the only supported way to see a heap array's address. The result is declared a {@code long} (a pointer is
 * returned as one on the 64-bit platforms; elsewhere a wrong start only costs speed) so that no segment is made
 * for it: the returned segment was not always scalar-replaced and cost a GEMM call up to 112 bytes. It needs
 * native access for this module; without it (or on a platform without the symbol) every start is 0, which is
 * correct, only slower. A garbage collection may move an array afterwards; callers ask again per call, and a
 * stale answer only costs speed.
 */
final class HeapAlignment {
    static final int BYTES = 64;
    private static final MethodHandle MEMMOVE = find();

    private HeapAlignment() {
    }

    private static MethodHandle find() {
        if (!HeapAlignment.class.getModule().isNativeAccessEnabled()) {
            return null;
        }
        try {
            Linker linker = Linker.nativeLinker();
            return linker.defaultLookup().find("memmove")
                    .map(f -> linker.downcallHandle(f,
                            FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.ADDRESS, ValueLayout.ADDRESS,
                                    ValueLayout.JAVA_LONG),
                            Linker.Option.critical(true)))
                    .orElse(null);
        } catch (RuntimeException | LinkageError e) {
            return null;
        }
    }

    /** Whether {@link #alignedStart} can see addresses in this JVM. */
    static boolean available() {
        return MEMMOVE != null;
    }

    /**
     * The first index {@code i < 16} at which {@code a[i]} starts a 64-byte line, or 0 when that cannot be
     * known. A buffer meant to be used from {@code alignedStart} needs 15 spare floats at its end.
     */
    static int alignedStart(float[] a) {
        if (MEMMOVE == null || a.length == 0) {
            return 0;
        }
        try {
            MemorySegment s = MemorySegment.ofArray(a);
            long address = (long) MEMMOVE.invokeExact(s, s, 0L);
            if ((address & (Float.BYTES - 1)) != 0) {
                return 0;
            }
            return (int) (((BYTES - (address & (BYTES - 1))) & (BYTES - 1)) / Float.BYTES);
        } catch (Throwable t) {
            return 0;
        }
    }
}
