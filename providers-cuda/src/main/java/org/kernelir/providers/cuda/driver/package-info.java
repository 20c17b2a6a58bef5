/** The CUDA driver API through java.lang.foreign (no JNI): library loading, error mapping, the calls kernel-ir makes. */
package org.kernelir.providers.cuda.driver;
