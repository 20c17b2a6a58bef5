package org.kernelir.providers.cuda;

import org.kernelir.core.provider.Availability;
import org.kernelir.providers.cuda.driver.CudaDriver;
import org.kernelir.providers.cuda.driver.CudaException;
import org.kernelir.providers.cuda.driver.DriverUnavailableException;

/**
 * Whether the cuda provider can run on this machine, and why not. The checks, in order: the build compiled
 * kernels; {@code libcuda.so.1} loads; {@code cuInit} succeeds; there is a device; device 0's compute capability
 * has SASS or PTX in the fatbin.
 *
 * @param availability what the provider reports
 * @param driver       the loaded driver, when it got that far
 * @param deviceName   device 0's name, or an empty string
 * @param major        device 0's compute capability, major (0 when unknown)
 * @param minor        device 0's compute capability, minor
 * @param code         which fatbin entry device 0 runs ("SASS sm_90"), or an empty string
 */
public record CudaAvailability(Availability availability, CudaDriver driver, String deviceName, int major,
        int minor, String code) {

    /** The system property naming the driver library (default {@code libcuda.so.1}, found by the loader). */
    public static final String LIBRARY_PROPERTY = "kernelir.cuda.library";

    /** Probes with the driver library from {@link #LIBRARY_PROPERTY} and this JAR's kernels. */
    public static CudaAvailability probe() {
        return probe(System.getProperty(LIBRARY_PROPERTY, CudaDriver.DEFAULT_LIBRARY), KernelImage.fromResources());
    }

    /** Probes with a given driver library and kernel image. */
    public static CudaAvailability probe(String library, KernelImage image) {
        if (!image.built()) {
            return no(image.reason(), null);
        }
        CudaDriver driver;
        try {
            driver = CudaDriver.load(library);
        } catch (DriverUnavailableException e) {
            return no(e.getMessage(), null);
        }
        try {
            driver.init();
            int count = driver.deviceCount();
            if (count == 0) {
                return no("no CUDA device (cuDeviceGetCount returned 0)", driver);
            }
            int dev = driver.device(0);
            String name = driver.deviceName(dev);
            int major = driver.deviceAttribute(75, dev);
            int minor = driver.deviceAttribute(76, dev);
            String code = image.toc().match(major, minor);
            if (code == null) {
                return new CudaAvailability(Availability.unavailable("cuda:0 (" + name + ") has compute capability "
                        + major + "." + minor + ", for which the fatbin has neither SASS nor PTX ("
                        + image.toc().describe() + ")"), driver, name, major, minor, "");
            }
            // An available provider's reason is shown as a note by `kir providers`: the device it will run on.
            return new CudaAvailability(new Availability(true, "cuda:0 " + name + ", compute capability " + major
                    + "." + minor + ", " + code + ", " + count + " device(s), driver " + driver.driverVersion()),
                    driver, name, major, minor, code);
        } catch (CudaException e) {
            String what = e.call().equals("cuInit") ? "cuInit failed: " + e.errorName() : e.getMessage();
            return no(what + (e.call().equals("cuInit") ? " (" + e.code() + ")" : ""), driver);
        }
    }

    private static CudaAvailability no(String reason, CudaDriver driver) {
        return new CudaAvailability(Availability.unavailable(reason), driver, "", 0, 0, "");
    }

    /** A one-line description for {@code kir providers}: the device, its compute capability and the code it runs. */
    public String describe() {
        return availability.available() ? "cuda:0 " + deviceName + ", compute capability " + major + "." + minor
                + ", " + code : availability.reason();
    }
}
