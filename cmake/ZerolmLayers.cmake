# The layers of zerolm: one static library per folder (engine/core, kernels,
# search_spaces, proxies, engine/<part>), linked one way. zerolm_layer() makes
# such a library and records what it depends on; zerolm_check_layers() (called
# once all layers exist) refuses a dependency cycle at configure time and adds a
# build step that refuses an #include of a folder the layer does not depend on.
# docs/ARCHITECTURE.md draws the resulting order.

set_property(GLOBAL PROPERTY ZEROLM_LAYER_TARGETS "")

# zerolm_layer(NAME FOLDER folder SOURCES ... [DEPENDS layer...] [LIBRARIES lib...])
function(zerolm_layer name)
  cmake_parse_arguments(L "" "FOLDER" "SOURCES;DEPENDS;LIBRARIES" ${ARGN})
  add_library(${name} STATIC ${L_SOURCES})
  target_include_directories(${name} PUBLIC ${PROJECT_SOURCE_DIR})
  target_link_libraries(${name} PUBLIC ${L_DEPENDS} ${L_LIBRARIES})
  zerolm_project_warnings(${name})
  zerolm_record_layer(${name} FOLDER ${L_FOLDER} DEPENDS ${L_DEPENDS})
endfunction()

# Records an existing target (an executable, the LibTorch plugin) as a layer of
# FOLDER depending on DEPENDS.
function(zerolm_record_layer name)
  cmake_parse_arguments(L "" "FOLDER" "DEPENDS" ${ARGN})
  set_property(GLOBAL APPEND PROPERTY ZEROLM_LAYER_TARGETS ${name})
  set_property(GLOBAL PROPERTY ZEROLM_LAYER_${name}_FOLDER ${L_FOLDER})
  set_property(GLOBAL PROPERTY ZEROLM_LAYER_${name}_DEPENDS "${L_DEPENDS}")
endfunction()

function(zerolm_check_layers)
  get_property(targets GLOBAL PROPERTY ZEROLM_LAYER_TARGETS)
  # Transitive dependencies of every layer, by repeated expansion.
  foreach(t IN LISTS targets)
    get_property(deps GLOBAL PROPERTY ZEROLM_LAYER_${t}_DEPENDS)
    set(closure_${t} ${deps})
  endforeach()
  set(changed TRUE)
  while(changed)
    set(changed FALSE)
    foreach(t IN LISTS targets)
      set(grown ${closure_${t}})
      foreach(d IN LISTS closure_${t})
        list(APPEND grown ${closure_${d}})
      endforeach()
      list(REMOVE_DUPLICATES grown)
      list(LENGTH grown n_grown)
      list(LENGTH closure_${t} n_before)
      if(NOT n_grown EQUAL n_before)
        set(closure_${t} ${grown})
        set(changed TRUE)
      endif()
    endforeach()
  endwhile()
  # A cycle: a layer among its own dependencies.
  foreach(t IN LISTS targets)
    if(t IN_LIST closure_${t})
      message(FATAL_ERROR "zerolm layers: ${t} depends on itself through ${closure_${t}}; dependencies run one way "
                          "(docs/ARCHITECTURE.md)")
    endif()
  endforeach()
  # Per folder: the folders it may include (its own and those of its layers' dependencies).
  set(folders "")
  foreach(t IN LISTS targets)
    get_property(folder GLOBAL PROPERTY ZEROLM_LAYER_${t}_FOLDER)
    list(APPEND folders ${folder})
    foreach(d IN LISTS closure_${t})
      get_property(dep_folder GLOBAL PROPERTY ZEROLM_LAYER_${d}_FOLDER)
      if(dep_folder)
        list(APPEND allowed_${folder} ${dep_folder})
      endif()
    endforeach()
  endforeach()
  list(REMOVE_DUPLICATES folders)
  set(table "set(ZEROLM_FOLDERS \"${folders}\")\n")
  set(sources "")
  foreach(folder IN LISTS folders)
    string(MAKE_C_IDENTIFIER "${folder}" id)
    set(allowed ${allowed_${folder}})
    if(allowed)
      list(REMOVE_DUPLICATES allowed)
    endif()
    string(APPEND table "set(ZEROLM_ALLOWED_${id} \"${allowed}\")\n")
    set(at ${PROJECT_SOURCE_DIR}/${folder})
    file(GLOB_RECURSE files CONFIGURE_DEPENDS ${at}/*.cpp ${at}/*.hpp ${at}/*.cu ${at}/*.cuh ${at}/*.def)
    list(APPEND sources ${files})
  endforeach()
  file(WRITE ${PROJECT_BINARY_DIR}/zerolm_layers.cmake "${table}")
  add_custom_command(
    OUTPUT ${PROJECT_BINARY_DIR}/zerolm_layers.stamp
    COMMAND ${CMAKE_COMMAND} -DSOURCE_DIR=${PROJECT_SOURCE_DIR} -DTABLE=${PROJECT_BINARY_DIR}/zerolm_layers.cmake
            -DSTAMP=${PROJECT_BINARY_DIR}/zerolm_layers.stamp -P ${PROJECT_SOURCE_DIR}/cmake/check_layers.cmake
    DEPENDS ${sources} ${PROJECT_BINARY_DIR}/zerolm_layers.cmake ${PROJECT_SOURCE_DIR}/cmake/check_layers.cmake
    COMMENT "Checking that includes follow the layers")
  add_custom_target(zerolm_layers ALL DEPENDS ${PROJECT_BINARY_DIR}/zerolm_layers.stamp)
endfunction()
