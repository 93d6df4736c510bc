# Third-party dependencies, all from Debian 12 packages (see .ci/run).
find_package(TBB REQUIRED)
find_package(yaml-cpp REQUIRED)
find_package(CLI11 REQUIRED)
find_package(fmt REQUIRED)
find_package(nlohmann_json 3.10 REQUIRED)
find_package(SQLite3 REQUIRED)
find_package(Eigen3 3.3 REQUIRED NO_MODULE)
find_package(Threads REQUIRED)
find_package(benchmark QUIET)

# MPI is optional: distributed search (`--distributed`) and sweeps over ranks.
set(ZEROLM_HAVE_MPI OFF)
if(ZEROLM_ENABLE_MPI)
  find_package(MPI COMPONENTS CXX QUIET)
  if(MPI_CXX_FOUND)
    set(ZEROLM_HAVE_MPI ON)
  endif()
endif()

# yaml-cpp 0.7 on Debian exports the plain target name.
if(TARGET yaml-cpp::yaml-cpp)
  set(ZEROLM_YAML_TARGET yaml-cpp::yaml-cpp)
else()
  set(ZEROLM_YAML_TARGET yaml-cpp)
endif()

# CUDA is optional: the CPU twin always builds, the CUDA backend only when nvcc exists.
set(ZEROLM_HAVE_CUDA OFF)
if(ZEROLM_ENABLE_CUDA)
  if(NOT CMAKE_CUDA_COMPILER AND EXISTS /usr/local/cuda/bin/nvcc)
    set(CMAKE_CUDA_COMPILER /usr/local/cuda/bin/nvcc)
  endif()
  include(CheckLanguage)
  check_language(CUDA)
  if(CMAKE_CUDA_COMPILER)
    if(NOT DEFINED CMAKE_CUDA_ARCHITECTURES)
      # sm_90 machine code plus PTX so newer GPUs can JIT it.
      set(CMAKE_CUDA_ARCHITECTURES 90-real 90-virtual)
    endif()
    enable_language(CUDA)
    set(CMAKE_CUDA_STANDARD 17)  # CMake 3.25 knows no CUDA20 flag for nvcc
    set(CMAKE_CUDA_STANDARD_REQUIRED ON)
    find_package(CUDAToolkit REQUIRED)
    set(ZEROLM_HAVE_CUDA ON)
  endif()
endif()

# LibTorch: a pip-installed torch (how GPU nodes have it) wins over Debian's libtorch-dev.
set(ZEROLM_HAVE_TORCH OFF)
if(ZEROLM_ENABLE_TORCH)
  find_package(Python3 COMPONENTS Interpreter QUIET)
  if(Python3_Interpreter_FOUND)
    execute_process(
      COMMAND ${Python3_EXECUTABLE} -c "import torch; print(torch.utils.cmake_prefix_path)"
      OUTPUT_VARIABLE ZEROLM_PIP_TORCH_PREFIX OUTPUT_STRIP_TRAILING_WHITESPACE
      RESULT_VARIABLE ZEROLM_PIP_TORCH_RESULT ERROR_QUIET)
    if(ZEROLM_PIP_TORCH_RESULT EQUAL 0 AND ZEROLM_PIP_TORCH_PREFIX)
      list(APPEND CMAKE_PREFIX_PATH ${ZEROLM_PIP_TORCH_PREFIX})
    endif()
  endif()
  find_package(Torch QUIET)
  if(Torch_FOUND)
    set(ZEROLM_HAVE_TORCH ON)
  endif()
endif()
