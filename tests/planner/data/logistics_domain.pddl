; Logistics with a type hierarchy and an either-typed parameter.
(define (domain logistics-typed)
  (:requirements :strips :typing)
  (:types truck airplane - vehicle
          package vehicle - physobj
          airport location - place
          city place physobj - object)
  (:predicates (in-city ?loc - place ?city - city)
               (at ?obj - physobj ?loc - place)
               (in ?pkg - package ?veh - vehicle))
  (:action load
    :parameters (?pkg - package ?veh - (either truck airplane) ?loc - place)
    :precondition (and (at ?veh ?loc) (at ?pkg ?loc))
    :effect (and (not (at ?pkg ?loc)) (in ?pkg ?veh)))
  (:action unload
    :parameters (?pkg - package ?veh - vehicle ?loc - place)
    :precondition (and (at ?veh ?loc) (in ?pkg ?veh))
    :effect (and (not (in ?pkg ?veh)) (at ?pkg ?loc)))
  (:action drive-truck
    :parameters (?truck - truck ?from - place ?to - place ?city - city)
    :precondition (and (at ?truck ?from) (in-city ?from ?city) (in-city ?to ?city))
    :effect (and (not (at ?truck ?from)) (at ?truck ?to)))
  (:action fly-airplane
    :parameters (?airplane - airplane ?from - airport ?to - airport)
    :precondition (at ?airplane ?from)
    :effect (and (not (at ?airplane ?from)) (at ?airplane ?to))))
