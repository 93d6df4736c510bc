# Project targets call zerolm_project_warnings(); third-party headers are SYSTEM, so
# -Werror applies to our code only.
function(zerolm_project_warnings target)
  target_compile_options(${target} PRIVATE
    $<$<COMPILE_LANGUAGE:CXX>:-Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast
                              -Wcast-align -Woverloaded-virtual -Wconversion -Wno-sign-conversion
                              # GCC 12 reports std::string concatenation at -O3 falsely (PR105329).
                              $<$<CXX_COMPILER_ID:GNU>:-Wno-restrict -Wno-stringop-overflow>
                              $<$<BOOL:${ZEROLM_WERROR}>:-Werror>>
    $<$<COMPILE_LANGUAGE:CUDA>:-Xcompiler=-Wall,-Wextra $<$<BOOL:${ZEROLM_WERROR}>:-Werror=all-warnings>>)
  # The same false positives reappear when LTO compiles at link time.
  target_link_options(${target} PRIVATE $<$<CXX_COMPILER_ID:GNU>:-Wno-restrict -Wno-stringop-overflow>)
endfunction()
